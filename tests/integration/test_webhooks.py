"""Webhooks through apprise (flows/pipeline/webhooks.py) to a real loopback HTTP server, in
the e-mail's ledger: each hook gets a week once across reruns, a refusal is recorded and
tried again by the next run, and no token reaches the ledger, the logs or the report."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from db import digests as digest_store
from db.engine import session_scope
from flows.deliver.webhooks import webhook_label
from flows.pipeline.webhooks import deliver_webhooks, webhook_plan
from flows.settings import Settings, SettingsError, load_settings
from tests.integration.test_delivery_ledger import DIGEST, WEEK, stored_week
from tests.support.webhook_server import Hook, webhook_server
from tests.unit.test_render import digest

TOKEN = "tok3n-s3cret-4c1d"


def records(settings: Settings) -> dict[str, tuple[str, str, int, str | None]]:
    with session_scope(settings.database_url) as session:
        rows = digest_store.deliveries_for_week(session, WEEK)
    return {r.recipient: (r.transport, r.state, r.attempts, r.error) for r in rows}


def test_each_webhook_gets_the_week_once_across_reruns(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    with webhook_server() as server:
        hooks = [server.add(f"/hooks/{TOKEN}"), server.add("/chat")]
        settings, digest_id = stored_week(tmp_path, webhooks=hooks)
        page = "https://d.example/2025-W43.html"
        first = deliver_webhooks(settings, digest_id, DIGEST, "Weekly digest 2025-W43",
                                 resend=False, archive_url=page)  # fmt: skip
        again = deliver_webhooks(settings, digest_id, DIGEST, "x", resend=False)
        (payload,) = server.received(f"/hooks/{TOKEN}")
        assert len(server.received("/chat")) == 1
        assert payload["title"] == "Weekly digest 2025-W43"
        assert page in payload["message"]
        assert (first.sent, again.sent, again.skipped) == (2, 0, 2)
        resent = deliver_webhooks(settings, digest_id, DIGEST, "x", resend=True)
        assert resent.sent == 2 and len(server.received("/chat")) == 2
        plan = webhook_plan(settings, WEEK, resend=False)
        # Another digest's week has a ledger of its own: nothing of it was posted yet.
        other = webhook_plan(settings, WEEK, resend=False, name="tech")
    labels = [webhook_label(h) for h in hooks]
    assert all(line.startswith("already sent to") for line in plan)
    assert all(line.startswith("would post to") for line in other)
    assert labels[0] != labels[1]
    assert records(settings) == dict.fromkeys(labels, ("webhook", "sent", 2, None))
    shown = " ".join([*records(settings), *first.posted, *plan, caplog.text])
    assert TOKEN not in shown and "/hooks" not in " ".join(records(settings))
    assert plan == tuple(f"already sent to {label}" for label in labels)


def test_a_refused_webhook_is_recorded_and_tried_again(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    with webhook_server() as server:
        refusing = Hook(status=503)
        hooks = [server.add(f"/down/{TOKEN}", refusing), server.add("/up")]
        settings, digest_id = stored_week(tmp_path, webhooks=hooks)
        first = deliver_webhooks(settings, digest_id, DIGEST, "s", resend=False)
        down = webhook_label(hooks[0])
        assert (first.sent, first.failed) == (1, 1)
        transport, state, attempts, error = records(settings)[down]
        assert (transport, state, attempts) == ("webhook", "failed", 1)
        assert error and error.startswith("temporary:") and TOKEN not in error
        assert TOKEN not in caplog.text
        refusing.status = 200
        second = deliver_webhooks(settings, digest_id, DIGEST, "s", resend=False)
        assert (second.sent, second.skipped) == (1, 1)
        assert len(server.received(f"/down/{TOKEN}")) == 1 and len(server.received("/up")) == 1
    assert records(settings)[down][1:3] == ("sent", 2)


def test_an_unreachable_webhook_fails_with_a_masked_reason(tmp_path: Path) -> None:
    with webhook_server() as server:
        dead = server.add(f"/x/{TOKEN}")
    settings, digest_id = stored_week(tmp_path, webhooks=[dead])  # the server is gone
    report = deliver_webhooks(settings, digest_id, DIGEST, "s", resend=False)
    assert report.failed == 1
    (record,) = (r for r in records(settings).values() if r[0] == "webhook")
    assert record[1] == "failed" and TOKEN not in (record[3] or "")


@pytest.mark.parametrize(
    ("webhooks", "message"),
    [
        ('["nosuch://host/tok3n"]', "delivery.webhooks[0]: nosuch://*** is not a URL apprise"),
        ("42", "delivery.webhooks: expected a list of apprise URLs"),
    ],
)
def test_a_webhook_apprise_cannot_use_is_a_settings_error(
    tmp_path: Path, webhooks: str, message: str
) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(f"[delivery]\nwebhooks = {webhooks}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    assert message in str(caught.value) and "tok3n" not in str(caught.value)


def test_webhooks_from_the_environment_or_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "hooks"
    secret.write_text(f"json://127.0.0.1:9/a/{TOKEN}\n ntfy://ntfy.example/topic\n")
    config = tmp_path / "digest.toml"
    config.write_text('[delivery]\nwebhooks = ["json://127.0.0.1:9/overridden"]\n')
    settings = load_settings(config, environ={"DIGEST_DELIVERY_WEBHOOKS_FILE": str(secret)})
    assert settings.webhooks == (f"json://127.0.0.1:9/a/{TOKEN}", "ntfy://ntfy.example/topic")
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.public())
    env = {"DIGEST_DELIVERY_WEBHOOKS": "json://a:1/x, json://b:2/y"}
    assert load_settings(config, environ=env).webhooks == ("json://a:1/x", "json://b:2/y")


def test_a_long_week_is_one_post_to_a_generic_webhook(tmp_path: Path) -> None:
    long_week = digest(150)  # well over apprise's 32 KB for JSON
    with webhook_server() as server:
        settings, digest_id = stored_week(tmp_path, webhooks=[server.add("/long")])
        report = deliver_webhooks(settings, digest_id, long_week, "s", resend=False)
        (post,) = server.received("/long")
    assert report.sent == 1 and len(post["message"]) > 32_768
    assert post["message"].count("\n### ") == 150


def test_send_test_posts_to_one_webhook_or_writes_one_file_and_no_ledger(tmp_path: Path) -> None:
    from flows.pipeline.send_test import NothingToSend, send_test

    with webhook_server() as server:
        settings, _ = stored_week(tmp_path, base_url="https://d.example")
        where = send_test(settings, digest(2), server.add(f"/try/{TOKEN}"))
        (post,) = server.received(f"/try/{TOKEN}")
    assert TOKEN not in where and "https://d.example/2025-W43.html" in post["message"]
    written = Path(send_test(settings, digest(2), "me@example.org"))
    assert written.name == "test-2025-W43_me@example.org.eml"
    assert b"subject=unsubscribe" in written.read_bytes()
    assert records(settings) == {}
    with pytest.raises(NothingToSend):
        send_test(settings, DIGEST, "me@example.org")  # a week of no story


def test_with_a_web_address_each_reader_s_footer_unsubscribes_that_reader(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from db import subscribers as subscriber_store
    from flows.pipeline.reader_digests import feedback_base, reader_renderings
    from flows.pipeline.send_test import render_email

    settings, _ = stored_week(tmp_path, base_url="https://d.example")
    with session_scope(settings.database_url) as session:
        readers = subscriber_store.recipients(session, settings.recipients, datetime.now(UTC))
    week = digest(2)
    shared = render_email(settings, week, feedback_base=feedback_base(settings))
    copy_of = reader_renderings(settings, week, shared)
    tokens = set()
    for reader in readers:
        copy = copy_of(reader)
        (link,) = [a for a in BeautifulSoup(copy.html, "html.parser").select(".unsubscribe a")]
        assert link["href"] == f"https://d.example/unsubscribe?token={reader.token}"
        assert link["href"] in copy.text
        tokens.add(reader.token)
    assert len(tokens) == len(readers) == 2
