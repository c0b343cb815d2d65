"""The delivery ledger as a plain function (flows/pipeline/delivery.py), without Prefect: the
transport is given, each reader is mailed once, a refusal is recorded, a resend sends again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from db import digests as digest_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.deliver.transports import OutboxWriter, SmtpSender
from flows.pipeline.delivery import Transport, deliver_week, transport_for
from flows.records import Digest, RenderedDigest, WeekReport
from flows.settings import Settings, SmtpSettings, load_settings
from tests.conftest import write_config
from tests.support.smtp_servers import Inbox, smtp_server

WEEK = "2025-W43"
READERS = ["ana@example.org", "bo@example.org"]
RENDERED = RenderedDigest(WEEK, "Weekly digest, 2025-W43", "<p>Stories</p>", "Stories", "")
DIGEST = Digest(WEEK, "Weekly digest", datetime(2025, 10, 20, tzinfo=UTC),
                datetime(2025, 10, 27, tzinfo=UTC), (), 1)  # fmt: skip


def stored_week(tmp_path: Path, **delivery: object) -> tuple[Settings, int]:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    settings = load_settings(write_config(tmp_path, url, None, recipients=READERS, **delivery))
    upgrade(url)
    with session_scope(url) as session:
        digest_id = digest_store.save_week(session, WEEK, (), RENDERED, "h", 1, datetime.now(UTC))
    return settings, digest_id


def ledger(settings: Settings) -> dict[str, str]:
    with session_scope(settings.database_url) as session:
        return {r.recipient: r.state for r in digest_store.deliveries_for_week(session, WEEK)}


def deliver(
    settings: Settings, digest_id: int, transport: Transport, resend: bool = False
) -> WeekReport:
    return deliver_week(settings, digest_id, DIGEST, RENDERED, resend=resend, preview="p.html",
                        transport=transport)  # fmt: skip


def test_the_outbox_gets_each_reader_once_until_resent(tmp_path: Path) -> None:
    settings, digest_id = stored_week(tmp_path)
    transport = transport_for(settings, WEEK)
    assert isinstance(transport, OutboxWriter)
    first = deliver(settings, digest_id, transport)
    assert (first.status, first.sent, first.skipped) == ("sent", 2, 0)
    assert sorted(Path(f).name for f in first.files[1:]) == [f"{WEEK}_{r}.eml" for r in READERS]
    assert ledger(settings) == dict.fromkeys(READERS, "sent")
    again = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert (again.status, again.sent, again.skipped) == ("already sent", 0, 2)
    resent = deliver(settings, digest_id, transport_for(settings, WEEK), resend=True)
    assert (resent.sent, resent.skipped) == (2, 0)


def test_a_refused_reader_is_failed_and_the_others_are_sent(tmp_path: Path) -> None:
    inbox = Inbox(refuse={"bo@example.org"})
    with smtp_server(inbox) as port:
        settings, digest_id = stored_week(tmp_path, transport="smtp")
        settings = replace(settings, smtp=SmtpSettings("127.0.0.1", port, security="none"))
        transport = transport_for(settings, WEEK)
        assert isinstance(transport, SmtpSender)
        report = deliver(settings, digest_id, transport)
    assert (report.status, report.sent, report.failed) == ("partial", 1, 1)
    assert report.files == ("p.html",)  # SMTP writes no file
    assert ledger(settings) == {"ana@example.org": "sent", "bo@example.org": "failed"}
    assert [rcpts for rcpts, _ in inbox.messages] == [["ana@example.org"]]
