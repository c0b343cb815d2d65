"""Feedback as a reader gives it, in headless Chromium on the real endpoint: "mute" opened
from a delivered message asks first (the GET changes nothing), the button mutes, the next
digest built for that reader has nothing of that source while another reader's still has,
and the manage page undoes it. "Less like this" leaves the story out of the next one."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from db import feedback as feedback_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from flows.orchestration.weekly_flow import backfill_flow
from flows.render.digest import render_digest
from flows.render.links import sign_rendering
from tests.conftest import write_config
from tests.support.browser import Browser
from tests.support.reader_endpoint import reader_endpoint
from tests.support.smtp_servers import free_port
from tests.unit.test_render import digest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.timeout(600)]
WEEK = "2025-W43"
ANA, BO = "ana@example.org", "bo@example.org"


def delivered(outbox: Path, reader: str) -> tuple[str, BeautifulSoup]:
    """The plain text and the HTML of the reader's message of the week, as the outbox has it."""
    message = email.message_from_bytes((outbox / f"{WEEK}_{reader}.eml").read_bytes(),
                                       policy=policy.default)  # fmt: skip
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, BeautifulSoup(html, "html.parser")


def said(url: str, reader: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        [me] = [s for s in subscriber_store.list_all(session) if s.email == reader]
        return [(f.kind, f.target) for f in feedback_store.feedback_of(session, me.id)]


def test_a_reader_mutes_a_source_from_the_email_and_undoes_it(
    browser: Browser, sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    port = free_port()
    config = write_config(tmp_path, sqlite_url, seeds_copy, recipients=[ANA, BO],
                          base_url=f"http://127.0.0.1:{port}")  # fmt: skip
    outbox = tmp_path / "outbox"
    backfill_flow(ingest=True, from_week=WEEK, to_week=WEEK, config=str(config))
    _, html = delivered(outbox, ANA)
    # The last story's "mute": its lead source, one that the week's first story also quotes.
    mute = [a for a in html.select(".feedback a") if a.get_text().startswith("Mute ")][-1]
    source = mute.get_text().removeprefix("Mute ")
    assert source == "China-US Focus"
    manage = html.select_one(".manage a")
    assert manage is not None and "/manage?k=" in manage["href"]

    with reader_endpoint(config, port):
        page = browser.open(mute["href"])
        assert f"Mute {source}?" in page and ANA in page
        assert said(sqlite_url, ANA) == []  # the GET alone changed nothing
        done = browser.press(f"Mute {source}", then_title=f"{source} is muted")
        assert "will no longer be in the digests" in done
        assert said(sqlite_url, ANA) == [("mute", source)] and said(sqlite_url, BO) == []

        backfill_flow(from_week=WEEK, to_week=WEEK, resend=True, config=str(config))
        text, html = delivered(outbox, ANA)
        assert source not in text and source not in html.get_text()
        assert source in delivered(outbox, BO)[0]  # another reader's digest still has it

        page = browser.open(manage["href"])
        assert f"Muted: {source}" in page
        assert said(sqlite_url, ANA) == [("mute", source)]  # the GET alone changed nothing
        page = browser.press("Undo", then_title="Undone")
        assert "Undone." in page and f"Muted: {source}" not in page
        assert said(sqlite_url, ANA) == []

        backfill_flow(from_week=WEEK, to_week=WEEK, resend=True, config=str(config))
        text, html = delivered(outbox, ANA)
        assert source in text
        # "Less like this" on the first story, by a mail client's POST: gone from the next one.
        first = html.select_one(".headline").get_text(strip=True)  # type: ignore[union-attr]
        less = html.select_one(".feedback a")
        assert less is not None and less.get_text() == "Less like this"
        assert httpx.post(less["href"], timeout=30).status_code == 200  # type: ignore[arg-type]
        assert [kind for kind, _ in said(sqlite_url, ANA)] == ["less"]
    backfill_flow(from_week=WEEK, to_week=WEEK, resend=True, config=str(config))
    assert first not in delivered(outbox, ANA)[1].get_text()
    assert first in delivered(outbox, BO)[1].get_text()


def test_a_copy_with_feedback_links_fits_a_phone(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    rendered = render_digest(digest(6, sources=3), feedback_base="https://digest.example.org")
    page.write_text(sign_rendering(rendered, 12345, "secret").html, encoding="utf-8")
    for dark in (False, True):
        sizes = browser.render(page, 375, dark, tmp_path / "phone.png")
        assert sizes["content"] <= sizes["viewport"] == 375
