"""Normalise: decoding, HTML to text, clean-up, titles, dates, and refusals with reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.html_text import clean_lines, html_to_lines
from flows.normalise.documents import NormaliseError, decode, derive_title, normalise_items
from flows.records import RawItem

NOW = datetime(2025, 11, 3, 9, tzinfo=UTC)
UTCZ = ZoneInfo("UTC")


def item(body: bytes, identity: str = "a.txt", content_type: str = "text/plain",
         **extra: object) -> RawItem:  # fmt: skip
    return RawItem("files", identity, body, content_type, NOW, **extra)


@pytest.mark.parametrize(
    ("body", "declared", "text"),
    [
        ("Café à Zürich".encode(), None, "Café à Zürich"),
        ("Café à Zürich".encode("latin-1"), None, "Café à Zürich"),
        ("\ufeffWith a BOM".encode(), None, "With a BOM"),
        ("Wide text".encode("utf-16"), None, "Wide text"),
        ("Ελληνικά".encode("iso-8859-7"), "iso-8859-7", "Ελληνικά"),
    ],
)
def test_decode(body: bytes, declared: str | None, text: str) -> None:
    assert decode(body, declared).lstrip("\ufeff") == text


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty file"), (b"   \n\t ", "empty file"), (bytes(range(256)) * 4, "binary content")],
)
def test_decode_refuses(body: bytes, reason: str) -> None:
    with pytest.raises(NormaliseError, match=reason):
        decode(body)


def test_html_keeps_visible_text_and_drops_anything_executable() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Storm hits the coast</h1><script>alert(1)</script>"
        "<p onclick='steal()'>Winds reached <b>150 km/h</b> overnight.</p>"
        "<ul><li>Schools closed</li><li>Trains stopped</li></ul>"
        "<iframe src='https://ads.example'></iframe><img src='x' onerror='boom()'>"
        "</body></html>"
    )
    lines = html_to_lines(html)
    assert lines == [
        "Storm hits the coast",
        "Winds reached 150 km/h overnight.",
        "• Schools closed",
        "• Trains stopped",
    ]
    assert not any(bad in " ".join(lines) for bad in ("alert", "steal", "boom", "ads.example"))


def test_clean_lines_folds_whitespace_invisible_characters_and_bullets() -> None:
    text = "  Two\u00a0 spaces\u200b here  \n\n\n  * starred\n  · dotted\n\x07bell"
    assert clean_lines(text) == ["Two spaces here", "• starred", "• dotted", "bell"]


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["Short lead sentence of the story here.", "More."],
         "Short lead sentence of the story here"),
        (["Key Highlights", "• Officials agree on a framework for trade.", "Body."],
         "Officials agree on a framework for trade"),
        (["This week, the two presidents held a closely watched phone call aimed at easing "
          "tensions between the largest economies of the world today."],
         "The two presidents held a closely watched phone call"),
        (["The Washington Courier - Friday, February 6, 2026", "By Ann Lee and Bo Park",
          "In this photo provided by the port, cranes stand idle.",
          "Dockworkers in Rotterdam walked out on Monday over pay, halting traffic for a day."],
         "Dockworkers in Rotterdam walked out on Monday over pay"),
        (["“We will not give in to these demands,” the union leader said on Monday.",
          "The strike at the port of Rotterdam entered its third day on Tuesday."],
         "The strike at the port of Rotterdam entered its third day on Tuesday"),
    ],
)  # fmt: skip
def test_derive_title(lines: list[str], title: str) -> None:
    assert derive_title(lines) == title


def test_a_headline_first_line_becomes_the_title() -> None:
    body = b"Storm hits the coast overnight\nWinds reached 150 km/h. Schools closed."
    [doc], failures = normalise_items([item(body)], {}, UTCZ)
    assert failures == []
    assert doc.title == "Storm hits the coast overnight"
    assert doc.text == "Winds reached 150 km/h. Schools closed."


@pytest.mark.parametrize(
    ("body", "given", "title", "text"),
    [
        # The source's title wins; a headline line repeating it still leaves the body.
        (b"Storm hits the coast overnight\nWinds reached 150 km/h.", "Storm on the coast",
         "Storm on the coast", "Winds reached 150 km/h."),
        # Without a headline line, the body is every line, whatever the title.
        (b"Winds reached 150 km/h on the coast. Schools closed.", "Storm on the coast",
         "Storm on the coast", "Winds reached 150 km/h on the coast. Schools closed."),
        (b"Winds reached 150 km/h on the coast. Schools closed.", None,
         "Winds reached 150 km/h on the coast", "Winds reached 150 km/h on the coast. Schools "
         "closed."),
    ],
)  # fmt: skip
def test_a_title_given_by_the_source_wins(
    body: bytes, given: str | None, title: str, text: str
) -> None:
    [doc], _ = normalise_items([item(body, title=given)], {}, UTCZ)
    assert (doc.title, doc.text) == (title, text)


def test_the_date_falls_back_to_first_seen_and_says_so() -> None:
    [doc], _ = normalise_items([item(b"Nothing here tells the date of this text.")], {}, UTCZ)
    assert (doc.published_at, doc.date_how) == (NOW, "first_seen")


def test_a_given_date_is_kept_and_said_so() -> None:
    when = datetime(2025, 10, 24, 12, tzinfo=UTC)
    [doc], _ = normalise_items([item(b"A text.", published_at=when, date_how="metadata")], {}, UTCZ)
    assert (doc.published_at, doc.date_how) == (when, "metadata")


def test_boilerplate_is_learned_from_earlier_texts_of_the_same_publisher() -> None:
    earlier = [
        "Hello friends,\nOld news.\nForward this to a colleague who would like it today."
    ] * 1
    earlier.append(
        "Hello friends,\nOlder news.\nForward this to a colleague who would like it today."
    )
    body = (
        b"Hello friends,\nFresh news about the harbour.\n"
        b"Forward this to a colleague who would like it today."
    )
    [doc], _ = normalise_items(
        [item(body, publisher="Port Weekly")], {"Port Weekly": earlier}, UTCZ
    )
    assert (
        doc.text == "Fresh news about the harbour." or doc.title == "Fresh news about the harbour"
    )
    assert "Forward this" not in doc.text and "Hello friends" not in doc.text


def test_same_text_in_different_clothes_has_the_same_hash() -> None:
    [a, b], _ = normalise_items(
        [item(b"<p>The  Same text.</p>", "a.html", "text/html"), item(b"the same TEXT", "b.txt")],
        {},
        UTCZ,
    )
    assert a.content_hash == b.content_hash
    assert a.raw_hash != b.raw_hash


def test_an_item_of_only_boilerplate_is_refused() -> None:
    docs, failures = normalise_items([item(b"Source link\nPost Comment")], {}, UTCZ)
    assert docs == [] and failures[0].reason == "only boilerplate, no content"
