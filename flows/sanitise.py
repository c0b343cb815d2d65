"""The allow-list gate for HTML that came from a source: nothing that can run or track passes."""

from __future__ import annotations

import re
from collections.abc import Callable
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
