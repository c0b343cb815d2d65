"""No hostile snippet survives: not the sanitiser, not normalise, not the rendered email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.normalise.documents import normalise_items
from flows.records import Digest, RawItem, Sighting, StoredDocument, Story
from flows.render.digest import render_digest
from flows.sanitise import clean_html, safe_url
from tests.support.hostile import SNIPPETS, executable_parts

START = datetime(2025, 10, 20, tzinfo=UTC)


def test_there_are_enough_snippets() -> None:
    assert len(SNIPPETS) >= 50


def test_the_check_itself_sees_what_it_must() -> None:
    assert executable_parts('<a href="java\tscript:x">') and executable_parts("<p onclick=x>")
    assert executable_parts("<svg></svg>") and not executable_parts("<p><b>fine</b></p>")


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_the_sanitiser_leaves_nothing_executable(snippet: str) -> None:
    assert executable_parts(clean_html(f"<p>Before</p>{snippet}<p>After</p>")) == []


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_nothing_executable_reaches_the_email(snippet: str) -> None:
    body = f"<h1>Hostile headline {snippet}</h1><p>Text of the story. {snippet} More.</p>"
    item = RawItem("feed", "x", body.encode(), "text/html", START, publisher=f"Pub {snippet}",
                   url="javascript:alert(1)")  # fmt: skip
    docs, _ = normalise_items([item], {}, ZoneInfo("UTC"))
    doc = docs[0] if docs else None
    title = doc.title if doc else snippet
    text = doc.text if doc else snippet
    stored = StoredDocument(
        1, title, text, f"Pub {snippet}", "javascript:alert(1)", START, "metadata",
        (Sighting("feed", snippet, f"Pub {snippet}", f"java\tscript:{snippet}", snippet),
         Sighting("other", "y", snippet, "data:text/html,x", title)),
    )  # fmt: skip
    story = Story("k", title, "javascript:alert(1)", text or snippet, START, (stored,))
    digest = Digest("2025-W43", f"Digest {snippet}", START, START + timedelta(days=7), (story,), 1)
    rendered = render_digest(digest)
    assert executable_parts(rendered.html, allow_head=True) == []


@pytest.mark.parametrize(
    ("url", "safe"),
    [("https://example.org/a", "https://example.org/a"),
     ("mailto:a@example.org", "mailto:a@example.org"),
     ("javascript:alert(1)", None), (" JavaScript:alert(1)", None), ("java\nscript:x", None),
     ("data:text/html,x", None), ("//evil.example", None), ("", None), (None, None)],
)  # fmt: skip
def test_only_web_and_mail_links_are_kept(url: str | None, safe: str | None) -> None:
    assert safe_url(url) == safe
