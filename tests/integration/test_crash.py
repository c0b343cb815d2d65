"""Crash safety: a run killed (SIGKILL) in the middle of ingest or of sending, then run
again, stores every document once and mails every reader once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import models
from db.engine import session_scope
from tests.conftest import ROOT, write_config
from tests.support.feed_server import Route, feed_server, rss
from tests.support.smtp_servers import Inbox, smtp_server

# slow: runs and kills `digest` processes
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def cli(*args: str) -> subprocess.Popen:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "flows.cli.main", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def count(url: str, table: type) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def wait_until(condition, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.2)


def test_killed_during_ingest(database_url: str, tmp_path: Path, seeds_copy: Path) -> None:
    entries = [
        {"title": f"Entry {i}", "guid": f"tag:slow,{i}",
         "description": f"Slow feed entry number {i} about the harbour."}
        for i in range(3)
    ]  # fmt: skip
    with feed_server() as server:
        route = Route(rss("Slow", entries), stall=60)
        config = str(write_config(tmp_path, database_url, seeds_copy, [
            {"name": "slow", "kind": "feed", "url": server.add("/slow.xml", route)}]))  # fmt: skip
        run = cli("ingest", "--config", config)
        wait_until(lambda: _stored(database_url) == 5)  # the seeds are in; the feed hangs
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        route.stall = 0
        again = cli("ingest", "--config", config)
        assert again.wait(180) == 0, again.stderr.read().decode()[-2000:] if again.stderr else ""
    assert count(database_url, models.Document) == 8
    assert count(database_url, models.Sighting) == 8


def _stored(url: str) -> int:
    try:
        return count(url, models.Document)
    except Exception:  # the schema is not there yet
        return 0


class SlowInbox(Inbox):
    """Keeps every message; for one reader it takes its time before saying 250, so the
    sender dies after the message arrived and before it could record so."""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        first_for_slow = "slow@example.org" in envelope.rcpt_tos and not self.messages_for(
            "slow@example.org")  # fmt: skip
        reply = await super().handle_DATA(server, session, envelope)
        if first_for_slow:
            await asyncio.sleep(3)
        return reply

    def messages_for(self, address: str) -> list[bytes]:
        return [raw for rcpts, raw in self.messages if address in rcpts]


def test_killed_while_sending(database_url: str, tmp_path: Path, seeds_copy: Path) -> None:
    from tests.integration.test_flows import row_counts

    inbox = SlowInbox()
    readers = ["ana@example.org", "slow@example.org", "zed@example.org"]
    with smtp_server(inbox) as port:
        config = write_config(tmp_path, database_url, seeds_copy, transport="smtp",
                              recipients=readers)  # fmt: skip
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
        run = cli("run", "--week", "2025-W43", "--config", str(config))
        # The message has arrived (the server holds its 250 for 3 s): the ledger says
        # "sending". Waiting on the ledger alone could kill before DATA went out.
        wait_until(lambda: inbox.messages_for("slow@example.org"))
        assert _states(database_url).get("slow@example.org") == "sending"
        run.send_signal(signal.SIGKILL)  # between DATA and recording "sent"
        run.wait(30)
        again = cli("run", "--week", "2025-W43", "--no-ingest", "--config", str(config))
        assert again.wait(180) == 0
    for reader in readers:
        assert len(inbox.messages_for(reader)) == 1, reader
    assert _states(database_url)["zed@example.org"] == "sent"
    assert row_counts(database_url)["documents"] == 5


def _states(url: str) -> dict[str, str]:
    try:
        with session_scope(url) as session:
            rows = session.execute(select(models.Delivery.recipient, models.Delivery.state))
            return dict(rows.all())
    except Exception:  # the schema is not there yet
        return {}
