"""A reader's signed links (feedback on a story, the manage page). A shared rendering
carries a placeholder in each link; each reader's copy has it replaced by that reader's
id and an HMAC of the link's action, keyed by the reader's own secret."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import replace

from flows.records import RenderedDigest

PLACEHOLDER = "READER-KEY"
ACTIONS = ("mute", "less", "manage")
_LINK = re.compile(
    rf"/(?:feedback\?a=(mute|less)&(?:amp;)?v=([A-Za-z0-9_.-]*)&(?:amp;)?k=|manage\?k=){PLACEHOLDER}"
)


def encode_value(text: str) -> str:
    """A source's name as a URL-safe word: nothing to escape in HTML, text or a query."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_value(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def feedback_url(base: str, action: str, value: str, key: str = PLACEHOLDER) -> str:
    return f"{base}/feedback?a={action}&v={value}&k={key}"


def manage_url(base: str, key: str = PLACEHOLDER) -> str:
    return f"{base}/manage?k={key}"


def signature(secret: str, action: str, value: str) -> str:
    mac = hmac.new(secret.encode(), f"{action}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def reader_key(reader_id: int, secret: str, action: str, value: str = "") -> str:
    """What goes in a link's `k`: whose link it is, and proof that we wrote it for them."""
    return f"{reader_id}.{signature(secret, action, value)}"


def reader_of(key: str) -> int | None:
    """The reader id a link's `k` names (its signature is checked with `verify`)."""
    reader_id, dot, _ = key.partition(".")
    return int(reader_id) if dot and reader_id.isdigit() and len(reader_id) < 12 else None


def verify(key: str, secret: str, action: str, value: str = "") -> bool:
    _, _, given = key.partition(".")
    return hmac.compare_digest(given.encode(), signature(secret, action, value).encode())


def sign_links(text: str, reader_id: int, secret: str) -> str:
    """Each placeholder link of a rendering made this reader's."""

    def signed(match: re.Match[str]) -> str:
        action, value = match.group(1) or "manage", match.group(2) or ""
        return match.group(0)[: -len(PLACEHOLDER)] + reader_key(reader_id, secret, action, value)

    return _LINK.sub(signed, text)


def sign_rendering(rendered: RenderedDigest, reader_id: int, secret: str) -> RenderedDigest:
    return replace(rendered, html=sign_links(rendered.html, reader_id, secret),
                   text=sign_links(rendered.text, reader_id, secret))  # fmt: skip
