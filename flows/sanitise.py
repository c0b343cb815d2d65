"""The allow-list gate for HTML that came from a source: nothing that can run or track passes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped with everything inside them: their text is code, chrome or a form, not content.
DROPPED_WITH_CONTENT = {
    "script", "style", "noscript", "iframe", "object", "embed", "form", "svg", "math",
    "template", "head", "title", "button", "select", "textarea", "canvas", "audio", "video",
}  # fmt: skip


def clean_html(fragment: str, base: str | None = None) -> str:
    """Keep structure and text; drop scripts, styles, frames, forms, event handlers and
    any URL whose scheme is not http, https or mailto (javascript:, data:, vbscript:).
    With a `base`, relative links and image sources are made absolute against it."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags=DROPPED_WITH_CONTENT,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_absolute(base) if base else None,
    )


URL_ATTRIBUTES = {"href", "src", "cite"}


def _absolute(base: str) -> Callable[[str, str, str], str]:
    def resolve(_tag: str, attribute: str, value: str) -> str:
        return urljoin(base, value) if attribute in URL_ATTRIBUTES else value

    return resolve


_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) or mailto URL, else None (no link at all)."""
    if not url:
        return None
    # Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
    squeezed = _INVISIBLE.sub("", url)
    scheme = urlsplit(squeezed).scheme.lower()
    if scheme not in URL_SCHEMES or (scheme != "mailto" and not urlsplit(squeezed).netloc):
        return None
    return squeezed


# Text from outside, made safe once where it enters (flows.records' RawItem and Failure):
# control characters (NUL stops PostgreSQL), bidi overrides and isolates (they reorder what
# a reader sees), line and paragraph separators in one-line fields, and lengths past a
# column's size. The limits are the columns' (db/models.py).
IDENTITY_LIMIT = 500  # sightings.identity
PUBLISHER_LIMIT = 200  # documents.publisher
TITLE_LIMIT = 1000  # a headline, not a text: a "title" longer than this is not one
URL_LIMIT = 2000  # browsers' practical limit; longer is junk
REASON_LIMIT = 1000  # a failure's reason, as sources.last_error keeps it
_BIDI_AND_NONCHARS = "\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_AND_NONCHARS}]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ASCII_CONTROLS = bytes(c for c in range(0x80) if _CONTROL.match(chr(c)))
_NEEDS_WORK = re.compile(f"^\\s|[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_BIDI_AND_NONCHARS}]")


def as_text(value: object) -> str | None:
    """A value that stands for text as text: a number becomes its digits, bytes are read as
    UTF-8; None, lists, mappings and the like are no text at all."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return None


def single_line(value: object, limit: int) -> str | None:
    """One line of text (a title, a name, an identity), safe to store and show: line breaks
    and separators become a space, other controls and bidi characters go, ends trimmed, cut
    to `limit` characters; None when nothing is left."""
    text = value if isinstance(value, str) else as_text(value)
    if text is None:
        return None
    if len(text) <= limit and not _NEEDS_WORK.search(text) and not text[-1:].isspace():
        return text or None  # the common case, found clean by one scan
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", _SURROGATE.sub("\ufffd", text))).strip()
    return text[:limit].rstrip() or None


def multi_line(value: object, limit: int | None = None) -> str:
    """Running text, safe to store: controls and bidi overrides out, newlines and tabs kept."""
    text = (as_text(value) or "").replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():  # most text: deleting bytes is far cheaper than two regex passes
        text = text.encode("ascii").translate(None, _ASCII_CONTROLS).decode("ascii")
    else:
        text = _CONTROL.sub("", _SURROGATE.sub("\ufffd", text).replace("\u2028", "\n"))
    return text if limit is None else text[:limit]


def safe_identity(value: object) -> str:
    """An item's identity within its source, within the column's size: one longer is cut
    and keeps a hash of the whole, so two long identities that share a start stay two."""
    text = single_line(value, 100_000) or ""
    if len(text) <= IDENTITY_LIMIT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{text[: IDENTITY_LIMIT - 72]}…sha256:{digest}"


CONTENT_TYPES = frozenset({"text/plain", "text/markdown", "text/html"})
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def raw_item_fields(item: Any) -> dict[str, object]:
    """The fields of a raw item (flows.records.RawItem) as they may travel on: each of the
    right type, safe and within its column's size (the source's name is the config's)."""
    body = _as_bytes(item.body)
    safe: dict[str, object] = {
        # An identity of nothing but what is stripped names the item by its bytes instead.
        "identity": safe_identity(item.identity)
        or "sha256:" + hashlib.sha256(body).hexdigest(),
        "body": body,
        "content_type": item.content_type if item.content_type in CONTENT_TYPES
        else "text/plain",
        "publisher": single_line(item.publisher, PUBLISHER_LIMIT),
        "title": single_line(item.title, TITLE_LIMIT),
        "url": single_line(item.url, URL_LIMIT),
        "published_at": _plausible(item.published_at),
        "charset": single_line(item.charset, 40),
    }  # fmt: skip
    if safe["published_at"] is None:
        safe["date_how"] = None
    return safe


def _as_bytes(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    return (as_text(body) or "").encode("utf-8", errors="replace")


def _plausible(moment: object) -> datetime | None:
    """A publication time to keep: aware (UTC when the source gave none), in 1900-2200;
    anything else is no date (the text or the first sighting dates the item)."""
    if not isinstance(moment, datetime):
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware if EARLIEST <= aware < LATEST else None
