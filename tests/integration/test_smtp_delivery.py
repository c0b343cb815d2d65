"""Delivery through a real SMTP server (aiosmtpd on a loopback port), end to end."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from flows.orchestration.weekly_flow import backfill_flow
from tests.conftest import write_config


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.mark.usefixtures("prefect_harness")
def test_each_recipient_gets_each_week_once_over_smtp(
    database_url: str, tmp_path: Path, seeds_copy: Path, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_inbox
    recipients = ["ana@example.org", "bo@example.org"]
    config = write_config(tmp_path, database_url, seeds_copy, recipients=recipients,
                          transport="smtp")  # fmt: skip
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')

    _, weeks = backfill_flow(ingest=True, config=str(config))
    assert [(w.week, w.sent) for w in weeks] == [
        ("2025-W43", 2), ("2025-W49", 2), ("2026-W06", 2)
    ]  # fmt: skip
    assert len(inbox.messages) == 6

    by_week: dict[str, list[str]] = {}
    for rcpt_tos, raw in inbox.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        week = message["Subject"].split()[2].rstrip(":")
        by_week.setdefault(week, []).extend(rcpt_tos)
        assert message["To"] == rcpt_tos[0]
        assert message["From"] == "Digest <digest@example.org>"
        assert message["Message-ID"].endswith("@example.org>")
        assert message["List-Id"] and message["Date"]
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert week in plain and "<table" in html and "<script" not in html
    assert {w: sorted(r) for w, r in by_week.items()} == {
        w: recipients for w in ("2025-W43", "2025-W49", "2026-W06")
    }
    w43 = next(raw for _, raw in inbox.messages if b"2025-W43" in raw)
    assert b"Kuala Lumpur" in w43

    _, again = backfill_flow(ingest=True, config=str(config))
    assert [(w.sent, w.skipped) for w in again] == [(0, 2)] * 3
    assert len(inbox.messages) == 6  # nobody got a second copy


@pytest.mark.usefixtures("prefect_harness")
def test_a_refused_recipient_is_failed_in_the_ledger_and_a_send_in_doubt_is_not_repeated(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    from db import digests as digest_store
    from db.engine import session_scope
    from tests.support.smtp_servers import Inbox as ScriptedInbox
    from tests.support.smtp_servers import smtp_server

    inbox = ScriptedInbox(refuse={"gone@example.org"})
    recipients = ["ana@example.org", "gone@example.org", "cy@example.org"]
    config = write_config(tmp_path, sqlite_url, seeds_copy, recipients=recipients,
                          transport="smtp")  # fmt: skip
    with smtp_server(inbox) as port:
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
        _, [week] = backfill_flow(ingest=True, from_week="2025-W49", to_week="2025-W49",
                                  config=str(config))  # fmt: skip
        assert (week.sent, week.failed) == (2, 1)
        with session_scope(sqlite_url) as session:
            ledger = {d.recipient: d for d in digest_store.deliveries_for_week(session, "2025-W49")}
        assert ledger["gone@example.org"].state == "failed"
        assert "550 5.1.1 <gone@example.org>" in ledger["gone@example.org"].error
        assert ledger["ana@example.org"].state == "sent"

        # A run that died after DATA began left "sending": the next run must not send again.
        with session_scope(sqlite_url) as session:
            digest_id = digest_store.digest_id(session, "2025-W49")
            cy = ledger["cy@example.org"]
            digest_store.set_delivery(
                session, digest_id, "cy@example.org", state="sending", transport="smtp",
                message_id=cy.message_id, now=cy.updated_at,
            )  # fmt: skip
        before = len(inbox.messages)
        _, [again] = backfill_flow(from_week="2025-W49", to_week="2025-W49", config=str(config))
        assert len(inbox.messages) == before  # cy's copy in doubt is not repeated
        assert again.skipped == 2  # ana (sent) and cy (sending); gone is tried again
        _, [forced] = backfill_flow(from_week="2025-W49", to_week="2025-W49", resend=True,
                                    config=str(config))  # fmt: skip
        assert forced.sent == 2 and len(inbox.messages) == before + 2
