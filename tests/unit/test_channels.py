"""The channels as pure steps: the Atom feed of the archive (read back by feedparser), the
Markdown of a week, the e-mail's unsubscribe footer, and webhook URLs shown masked."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from flows.deliver.webhooks import webhook_label
from flows.render.digest import render_digest
from flows.render.feed import atom_feed
from flows.render.footer import mail_footer
from flows.render.markdown import escape_markdown, render_markdown
from flows.webhook_urls import mask_library_logs, mask_urls
from tests.unit.test_render import digest

SENT = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)


def weeks() -> list:  # type: ignore[type-arg]
    return [replace(digest(2), week=w) for w in ("2025-W42", "2025-W43", "2025-W44")]


def test_the_feed_parses_cleanly_with_one_entry_per_sent_week() -> None:
    sent = {"2025-W42": SENT - timedelta(days=7), "2025-W43": SENT}  # W44 built, never sent
    parsed = feedparser.parse(atom_feed(weeks(), sent, title="Harbour & <Co>", author="Desk"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and parsed.feed.title == "Harbour & <Co>"
    assert [e.link for e in parsed.entries] == ["2025-W43.html", "2025-W42.html"]
    first = parsed.entries[0]
    assert first.title == "Weekly digest 2025-W43: Headline of story 0 & more <b>"
    assert first.published_parsed[:4] == (2025, 10, 27, 7)
    content = BeautifulSoup(first.content[0].value, "html.parser")
    assert content.h2.get_text() == "Headline of story 0 & more <b>"
    assert content.a["href"] == "https://outlet0.example/0"
    assert len({e.id for e in parsed.entries}) == 2


def test_feed_ids_and_links_are_stable_and_absolute_under_a_base_url() -> None:
    sent = {"2025-W43": SENT}
    base = "https://digest.example/archive"
    one = atom_feed(weeks(), sent, title="T", author="A", base_url=base)
    again = atom_feed(weeks(), sent, title="T", author="A", base_url=base)
    parsed = feedparser.parse(one)
    assert one == again and not parsed.bozo
    assert parsed.entries[0].link == f"{base}/2025-W43.html"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == f"{base}/feed.xml"
    other = feedparser.parse(atom_feed(weeks(), sent, title="T", author="A", name="tech.xml"))
    assert other.entries[0].id != parsed.entries[0].id  # another digest's feed, other ids


def test_a_feed_of_no_sent_week_is_still_valid() -> None:
    parsed = feedparser.parse(atom_feed(weeks(), {}, title="T", author="A"))
    assert not parsed.bozo and parsed.entries == []


def test_markdown_of_a_week_keeps_text_as_text() -> None:
    text = render_markdown(digest(2), archive_url="https://d.example/2025-W43.html")
    html = MarkdownIt().render(text)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.h1.get_text() == "Weekly digest 2025-W43"
    assert [h.get_text() for h in soup.find_all("h3")] == [
        "1. Headline of story 0 & more <b>", "2. Headline of story 1 & more <b>"]  # fmt: skip
    assert soup.h3.a["href"] == "https://outlet0.example/0"
    assert soup.find("b") is None  # the headline's <b> is text, not markup
    assert "https://d.example/2025-W43.html" in [a["href"] for a in soup.find_all("a")]
    assert text == render_markdown(digest(2), archive_url="https://d.example/2025-W43.html")


@pytest.mark.parametrize(
    "raw",
    ["*not bold* _nor this_", "[a](javascript:x)", "# not a heading", "1. not a list",
     "- nor this", "`code` <i>tag</i> a|b", "2025 was a year", "C:\\path"],
)  # fmt: skip
def test_markdown_escaping_shows_the_words_as_written(raw: str) -> None:
    soup = BeautifulSoup(MarkdownIt().render(escape_markdown(raw)), "html.parser")
    assert soup.get_text().strip() == raw
    assert [t.name for t in soup.find_all()] == ["p"]


def test_every_email_has_a_visible_unsubscribe_and_manage_footer() -> None:
    rendered = render_digest(digest(300), footer=mail_footer("desk@example.org"))
    soup = BeautifulSoup(rendered.html, "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select(".unsubscribe a")}
    assert links == {
        "Unsubscribe": "mailto:desk@example.org?subject=unsubscribe",
        "Manage your digest": "mailto:desk@example.org?subject=manage%20my%20digest",
    }
    assert len(soup.select(".headline")) < 300  # cut for size: the footer stays
    assert "mailto:desk@example.org?subject=unsubscribe" in rendered.text
    assert "Unsubscribe [" in rendered.text and "Manage your digest [" in rendered.text
    assert not BeautifulSoup(render_digest(digest(1)).html, "html.parser").select(".unsubscribe")


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("json://127.0.0.1:8080/hooks/S3CRET-T0KEN", "S3CRET"),
        ("json://user:S3CRET@hooks.example/x", "S3CRET"),
        ("jsons://hooks.example/x?+X-Token=S3CRET", "S3CRET"),
        ("slack://S3CRETA/S3CRETB/S3CRETC/#news", "S3CRET"),
        ("discord://123456/S3CRETtoken", "S3CRET"),
        ("ntfy://ntfy.example/S3CRET-topic", "S3CRET"),
        ("tgram://123456789:S3CRET-bot/4242", "S3CRET"),
        ("matrix://bot:S3CRET@matrix.example/#room", "S3CRET"),
    ],
)
def test_a_webhook_is_shown_masked_and_told_apart(url: str, secret: str) -> None:
    label = webhook_label(url)
    assert secret not in label and label.startswith(url.split("://")[0] + "://")
    assert webhook_label(url + "2") != label
    assert secret not in mask_urls(f"Loaded URL: {url} and then")


def test_apprise_logs_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    mask_library_logs()
    caplog.set_level(logging.DEBUG, logger="apprise")
    logging.getLogger("apprise").debug("POST URL: %s", "http://127.0.0.1:9/hooks/S3CRET")
    logging.getLogger("urllib3.connectionpool").warning('"POST /hooks/S3CRET HTTP/1.1" 200')
    assert "S3CRET" not in caplog.text and "http://127.0.0.1:9/***" in caplog.text


def test_with_a_web_endpoint_the_footer_links_each_readers_own_pages() -> None:
    from flows.render.footer import web_footer, with_unsubscribe_token

    base = "https://digest.example"
    shared = render_digest(digest(2), footer=web_footer(base), feedback_base=base)
    mine = with_unsubscribe_token(shared, "tok/en+1")
    soup = BeautifulSoup(mine.html, "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select(".unsubscribe a")}
    assert links == {"Unsubscribe": f"{base}/unsubscribe?token=tok%2Fen%2B1"}  # Manage: its row
    assert soup.select(".manage a")  # the reader's manage link, in feedback's row
    assert f"{base}/unsubscribe?token=tok%2Fen%2B1" in mine.text and "mailto:" not in mine.text
    assert "READER-UNSUBSCRIBE-TOKEN" not in mine.html + mine.text
