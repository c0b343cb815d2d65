"""The channels as a user runs them (real processes, real servers): webhooks get each week
once across reruns and a kill mid-send, `digest send-test` reaches a real SMTP server and
leaves the ledger alone, and the archive's Atom feed has an entry per week that went out."""

from __future__ import annotations

import email
import os
import signal
from email import policy
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import select

from db import models
from db.engine import session_scope
from flows.deliver.webhooks import webhook_label
from tests.conftest import write_config
from tests.integration.test_cli import digest
from tests.integration.test_crash import cli, wait_until
from tests.support.smtp_servers import Inbox, smtp_server
from tests.support.webhook_server import Hook, webhook_server

pytestmark = pytest.mark.usefixtures("prefect_harness")
TOKEN = "xoxb-s3cret-t0ken"
WEEKS = ("2025-W43", "2025-W49", "2026-W06")


@pytest.fixture
def api_env() -> dict[str, str]:
    """The command pointed at the test's Prefect server (as tests/integration/test_cli.py)."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    return env | {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}


def ledger(url: str) -> list[tuple[str, str, str, str, int]]:
    try:
        with session_scope(url) as session:
            rows = session.execute(
                select(models.Digest.week, models.Delivery.recipient, models.Delivery.transport,
                       models.Delivery.state, models.Delivery.attempts)
                .join(models.Digest).order_by(models.Digest.week, models.Delivery.recipient)
            )  # fmt: skip
            return [tuple(row) for row in rows]  # type: ignore[misc]
    except Exception:  # the schema is not there yet
        return []


def weeks_received(received: list[dict[str, str]]) -> list[str]:
    return sorted(next(w for w in WEEKS if w in post["title"]) for post in received)


def test_each_webhook_gets_each_week_once_across_a_kill_and_reruns(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    with webhook_server() as server:
        # The server keeps the slow hook's first post, then holds its answer: the sender
        # dies after the post arrived and before it could record so.
        slow = Hook(stall=3)
        hooks = [server.add("/a"), server.add(f"/slow/{TOKEN}", slow), server.add("/z")]
        config = str(write_config(tmp_path, database_url, seeds_copy, webhooks=hooks))
        slow_label = webhook_label(hooks[1])
        run = cli("run", "--week", "2025-W43", "--config", config)
        wait_until(lambda: server.received(f"/slow/{TOKEN}"))
        assert ("2025-W43", slow_label, "webhook", "sending", 1) in ledger(database_url)
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        slow.stall = 0
        outputs = []
        for _ in range(2):  # the whole range, twice: W43 is resumed, then nothing is sent
            again = cli("backfill", "2025-W40", "2026-W10", "--config", config)
            out, err = again.communicate(timeout=180)
            assert again.returncode == 0, err.decode()[-2000:]
            outputs.append(out.decode() + err.decode())
        for path in ("/a", f"/slow/{TOKEN}", "/z"):
            assert weeks_received(server.received(path)) == list(WEEKS), path
    rows = ledger(database_url)
    hooks_rows = [r for r in rows if r[2] == "webhook"]
    assert len(hooks_rows) == 9 and {r[1] for r in hooks_rows} == {webhook_label(h) for h in hooks}
    assert ("2025-W43", slow_label, "webhook", "sending", 1) in rows  # left as it was
    assert all(TOKEN not in out for out in outputs)
    assert all(TOKEN not in str(row) for row in rows)


def test_send_test_mails_one_address_and_the_feed_lists_the_sent_weeks(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    inbox = Inbox()
    with smtp_server(inbox) as port:
        config = write_config(tmp_path, url, seeds_copy, transport="smtp")
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
        for week in WEEKS[:2]:  # 2026-W06 is stored (ingested) but never sent
            done = digest("run", "--week", week, "--config", str(config), env=api_env)
            assert done.returncode == 0, done.stderr[-2000:]
        before = ledger(url)
        sent = digest("send-test", "--to", "tester@example.org", "--week", "2025-W49",
                      "--config", str(config), env=api_env)  # fmt: skip
        assert sent.returncode == 0, sent.stderr[-2000:]
        assert "the ledger is unchanged" in sent.stdout
        nothing = digest("send-test", "--to", "tester@example.org", "--week", "2025-W40",
                         "--config", str(config), env=api_env)  # fmt: skip
        assert nothing.returncode == 1 and "no story" in nothing.stdout
    assert ledger(url) == before and len(before) == 2
    (raw,) = [r for to, r in inbox.messages if "tester@example.org" in to]
    message = email.message_from_bytes(raw, policy=policy.default)
    real = next(email.message_from_bytes(r, policy=policy.default) for to, r in inbox.messages
                if "reader@example.org" in to and b"2025-W49" in r)  # fmt: skip
    assert message["Subject"] == real["Subject"] and "2025-W49" in message["Subject"]
    assert message["Message-ID"] != real["Message-ID"]
    html = message.get_body(("html",)).get_content()
    assert 'href="mailto:digest@example.org?subject=unsubscribe"' in html
    assert "Manage your digest" in html

    site = tmp_path / "site"
    done = digest("archive", "--out", str(site), "--config", str(config), env=api_env)
    assert done.returncode == 0, done.stderr[-2000:]
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.link for e in feed.entries] == ["2025-W49.html", "2025-W43.html"]
    assert (site / "2026-W06.html").exists()  # in the archive, not in the feed: never sent
