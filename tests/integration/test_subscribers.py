"""Subscribers and unsubscribing: the table, the command's effect, the HTTP endpoint."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import httpx
import pytest

from db import subscribers as subscriber_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.orchestration.weekly_flow import backfill_flow
from tests.conftest import write_config
from tests.support.reader_endpoint import reader_endpoint

NOW = datetime(2025, 10, 27, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> str:
    upgrade(database_url)
    return database_url


def emails(url: str, configured: list[str]) -> list[str]:
    with session_scope(url) as session:
        return [s.email for s in subscriber_store.recipients(session, configured, NOW)]


def test_recipients_are_config_and_subscribers_less_the_unsubscribed(store: str) -> None:
    with session_scope(store) as session:
        subscriber_store.add(session, "Zoe@Example.org", NOW)
        subscriber_store.add(session, "zoe@example.org", NOW)  # the same reader twice
    with session_scope(store) as session:  # read only: ana is not written down
        assert subscriber_store.would_receive(session, [" Ana@example.org"]) == [
            "ana@example.org", "zoe@example.org"]  # fmt: skip
        assert [s.email for s in subscriber_store.list_all(session)] == ["zoe@example.org"]
    assert emails(store, ["ana@example.org"]) == ["ana@example.org", "zoe@example.org"]
    with session_scope(store) as session:
        assert subscriber_store.unsubscribe_email(session, "ana@example.org", NOW)
        assert not subscriber_store.unsubscribe_email(session, "ana@example.org", NOW)
    # The config still lists ana, and ana still gets nothing.
    assert emails(store, ["ana@example.org"]) == ["zoe@example.org"]
    with session_scope(store) as session:
        assert subscriber_store.would_receive(session, ["ana@example.org"]) == ["zoe@example.org"]
    with session_scope(store) as session:
        subscriber_store.add(session, "ana@example.org", NOW)  # came back by command
    assert emails(store, ["ana@example.org"]) == ["ana@example.org", "zoe@example.org"]


@pytest.fixture
def endpoint(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    upgrade(sqlite_url)
    with reader_endpoint(write_config(tmp_path, sqlite_url, None)) as served:
        yield served.url, sqlite_url


def test_a_link_asks_first_and_a_one_click_post_unsubscribes(endpoint: tuple[str, str]) -> None:
    base, url = endpoint
    with session_scope(url) as session:
        token = subscriber_store.add(session, "ana@example.org", NOW).token

    shown = httpx.get(f"{base}/unsubscribe", params={"token": token})
    assert shown.status_code == 200 and "<form" in shown.text and 'method="post"' in shown.text
    assert emails(url, []) == ["ana@example.org"]  # a link scanner's GET changes nothing

    done = httpx.post(f"{base}/unsubscribe", params={"token": token},
                      data={"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert done.status_code == 200 and "ana@example.org" in done.text
    assert emails(url, []) == []

    assert httpx.post(f"{base}/unsubscribe", params={"token": "forged"}).status_code == 404
    assert httpx.get(f"{base}/elsewhere").status_code == 404


@pytest.mark.usefixtures("prefect_harness")
def test_an_unsubscribed_reader_gets_nothing(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, sqlite_url, seeds_copy,
                          recipients=["ana@example.org", "bo@example.org"],
                          base_url="https://digest.example.org")  # fmt: skip
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        subscriber_store.unsubscribe_email(session, "bo@example.org", NOW)
        subscriber_store.add(session, "cy@example.org", NOW)
    _, [dry] = backfill_flow(ingest=True, from_week="2025-W43", to_week="2025-W43",
                             dry_run=True, config=str(config))  # fmt: skip
    assert dry.files == ("would send to ana@example.org", "would send to cy@example.org")
    with session_scope(sqlite_url) as session:  # the dry run wrote no reader down
        assert [s.email for s in subscriber_store.list_all(session)] == [
            "bo@example.org", "cy@example.org"]  # fmt: skip
    _, weeks = backfill_flow(ingest=True, from_week="2025-W43", to_week="2025-W43",
                             config=str(config))  # fmt: skip
    assert weeks[0].sent == 2
    _, [dry] = backfill_flow(from_week="2025-W43", to_week="2025-W43", dry_run=True,
                             config=str(config))  # fmt: skip
    assert dry.files == ("already sent to ana@example.org", "already sent to cy@example.org")
    sent = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))
    assert sent == ["2025-W43_ana@example.org.eml", "2025-W43_cy@example.org.eml"]
    message = email.message_from_bytes((tmp_path / "outbox" / sent[0]).read_bytes(),
                                       policy=policy.default)  # fmt: skip
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://digest.example.org/unsubscribe?token=" in message["List-Unsubscribe"]
    assert "<mailto:digest@example.org?subject=unsubscribe>" in message["List-Unsubscribe"]
