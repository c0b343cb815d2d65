"""Text from outside made safe where it enters (flows.sanitise, RawItem and Failure): types
coerced or dropped, controls and bidi characters out, lengths within the columns' sizes;
and which sources back off after a failure (flows.sources.health)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.records import Failure, RawItem
from flows.sanitise import (
    _CONTROL,
    _SURROGATE,
    IDENTITY_LIMIT,
    multi_line,
    safe_identity,
    single_line,
)
from flows.sources.health import backs_off

NOW = datetime(2026, 1, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("Plain title", 100, "Plain title"),
        (12345, 100, "12345"),
        (4.5, 100, "4.5"),
        (None, 100, None),
        (True, 100, None),
        (["a", "list"], 100, None),
        ({"an": "object"}, 100, None),
        ("a\x00b\x07c", 100, "abc"),
        ("evil \u202egnp.exe\u202c here", 100, "evil gnp.exe here"),
        ("isolate \u2066x\u2069", 100, "isolate x"),
        ("two\nlines\r\nand\u2028more\tend", 100, "two lines and more end"),
        ("  \x00 \u202e ", 100, None),
        ("lone \ud800 surrogate", 100, "lone \ufffd surrogate"),
        ("x" * 300, 200, "x" * 200),
        (b"bytes \xff", 100, "bytes \ufffd"),
    ],
)
def test_single_line(value: object, limit: int, expected: str | None) -> None:
    assert single_line(value, limit) == expected


def test_multi_line_keeps_lines_and_tabs_and_drops_the_rest() -> None:
    assert multi_line("a\x00b\r\nc\rd\te\u202ef\u2028g\x0c") == "ab\nc\nd\tef\ng"
    assert multi_line(None) == "" and multi_line(42) == "42"


@given(
    st.text(st.characters(max_codepoint=0x7F))
    | st.text(st.characters(exclude_categories=()))  # lone surrogates too
)
def test_multi_line_applies_each_rule_to_any_text(text: str) -> None:
    # ASCII text takes a faster path, which must drop exactly what the rules drop.
    newlines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    assert multi_line(text) == _CONTROL.sub("", _SURROGATE.sub("\ufffd", newlines))


def test_a_long_identity_is_cut_and_stays_distinct() -> None:
    a, b = safe_identity("g" * 600 + "a"), safe_identity("g" * 600 + "b")
    assert len(a) <= IDENTITY_LIMIT and len(b) <= IDENTITY_LIMIT and a != b
    assert safe_identity("tag:x,\x00y") == "tag:x,y"


def test_a_raw_item_is_safe_whatever_its_reader_gave() -> None:
    item = RawItem(
        "feed", "guid\x00\u202e", "text", "application/evil", NOW,  # type: ignore[arg-type]
        publisher="P" * 300, title=12345, url=42, published_at=datetime(1, 1, 1),  # type: ignore[arg-type]
        date_how="feed", charset="utf-8\x00",
    )  # fmt: skip
    assert (item.identity, item.body, item.content_type) == ("guid", b"text", "text/plain")
    assert (len(item.publisher or ""), item.title, item.url) == (200, "12345", "42")
    assert (item.published_at, item.date_how, item.charset) == (None, None, "utf-8")
    nameless = RawItem("f", "\u202e\x00", b"x", "text/plain", NOW)
    assert nameless.identity.startswith("sha256:")
    naive = RawItem("f", "i", b"x", "text/html", NOW, published_at=datetime(2026, 1, 2))
    assert naive.published_at == datetime(2026, 1, 2, tzinfo=UTC)


def test_a_failure_reason_is_one_safe_line() -> None:
    failure = Failure("f", "id\x00", "bad\nheader \u202e" + "x" * 2000)
    assert failure.identity == "id" and "\n" not in failure.reason
    assert "\u202e" not in failure.reason and len(failure.reason) <= 1000
    assert Failure("f", "", "").reason == "unknown reason"


@pytest.mark.parametrize(
    ("kind", "options", "waits"),
    [
        ("feed", {}, True),
        ("mailbox", {"imap_host": "imap.example"}, True),
        ("mailbox", {}, False),  # a Maildir, an mbox file or a folder of .eml here
        ("files", {}, False),
    ],
)
def test_only_servers_back_off(kind: str, options: dict[str, str], waits: bool) -> None:
    assert backs_off(kind, options) is waits
