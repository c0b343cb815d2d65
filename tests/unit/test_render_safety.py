"""What a reader sees is safe and consistent: one-line subjects, no bidi overrides, no
link but http(s) and mailto in any output, one story count in header and footer."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from flows.render.digest import digest_to_json, late_to_json, render_digest
from flows.safe_text import header_value, without_bidi_controls
from tests.unit.test_render import digest, story

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "//evil.example/x",
]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Plain title", "Plain title"),
        ("Harbour\r\nBcc: x@example.org", "Harbour Bcc: x@example.org"),
        ("One\u2028two\u2029three\x85four", "One two three four"),
        ("Tab\tand\x00null\x1b[31m", "Tab and null [31m"),
        ("Invoice \u202egpj.exe\u202c and \u2066isolate\u2069", "Invoice gpj.exe and isolate"),
        ("  spaced   out  ", "spaced out"),
        ("Zürich — café 🚢", "Zürich — café 🚢"),
    ],
)
def test_a_header_value_is_one_clean_line(raw: str, shown: str) -> None:
    assert header_value(raw) == shown


def test_a_long_header_value_is_cut_between_words_with_an_ellipsis() -> None:
    long = "Weekly digest 2025-W43: " + "harbour bridge opens " * 20
    cut = header_value(long)
    assert len(cut) <= 150 and cut.endswith("…")
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " "
    assert len(header_value("x" * 400)) == 150  # one long word is cut where it must be


def test_bidi_controls_are_removed_and_nothing_else() -> None:
    assert without_bidi_controls(
        "a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069"
    ) == ("abcdefghi")
    assert without_bidi_controls("\u200fRTL mark and עברית") == "\u200fRTL mark and עברית"


def test_no_bidi_override_reaches_the_rendered_digest() -> None:
    hostile = replace(story(0), headline="Invoice \u202egpj.exe", extract="Open \u2066it\u2069")
    rendered = render_digest(replace(digest(1), stories=(hostile,)))
    for text in (rendered.subject, rendered.html, rendered.text, rendered.preheader):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert "Invoice gpj.exe" in rendered.subject and "Open it" in rendered.text


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_json_shows_no_link_the_html_would_not(url: str) -> None:
    base = story(0)
    sightings = tuple(replace(s, url=url) for s in base.documents[0].sightings)
    hostile = replace(base, url=url, documents=(replace(base.documents[0], url=url,
                                                        sightings=sightings),))  # fmt: skip
    week = replace(digest(1), stories=(hostile,), late=(hostile,))
    data = digest_to_json(week) | {"late_arrivals": late_to_json(week, ZoneInfo("UTC"))}
    for shown in (data["stories"][0], data["late_arrivals"][0]):
        assert shown["url"] is None and shown["documents"][0]["url"] is None
        assert {s["url"] for s in shown["documents"][0]["sightings"]} == {None}
    assert url not in json.dumps(data, ensure_ascii=False)
    rendered = render_digest(week)
    assert url.strip() not in rendered.text and url.strip() not in rendered.html


def test_json_keeps_http_and_mailto_links() -> None:
    data = digest_to_json(digest(1))
    assert data["stories"][0]["url"] == "https://outlet0.example/0"


def test_a_week_of_late_arrivals_alone_counts_them_alike_in_header_and_footer() -> None:
    late = tuple(story(i) for i in range(8))
    week = replace(digest(0), stories=(), late=late, document_count=0)
    rendered = render_digest(week)
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.select_one(".week").get_text().endswith("8 stories")
    footer = soup.select_one(".footer").get_text()
    assert (
        footer
        == "0 documents this week and 8 that arrived late from earlier weeks, told as 8 stories."
    )
    assert rendered.text.splitlines()[1].endswith(", 8 stories")


def test_a_week_with_late_arrivals_counts_both_everywhere() -> None:
    week = replace(digest(2), late=(story(5),))
    soup = BeautifulSoup(render_digest(week).html, "html.parser")
    assert soup.select_one(".week").get_text().endswith("3 stories")
    assert soup.select_one(".footer").get_text() == (
        "2 documents this week and 1 that arrived late from earlier weeks, told as 3 stories."
    )


def test_a_cut_digest_counts_every_story_in_its_header() -> None:
    rendered = render_digest(digest(300, sources=3, words=60))
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.select_one(".week").get_text().endswith("300 stories")
    assert soup.select_one(".footer").get_text().endswith("told as 300 stories.")
