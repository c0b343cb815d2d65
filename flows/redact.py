"""Credentials out of what is shown: the password of a URL, wherever it appears in a text."""

from __future__ import annotations

import re

# scheme://user:password@ (the scheme optional for a value known to be a URL).
_IN_TEXT = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@:]*):([^\s/]+)@")
_BARE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)?([^\s/@:]*):([^\s/]+)@")


def mask_url(url: str) -> str:
    """Hide the password of a database, proxy or feed URL, even a malformed one."""
    return _BARE.sub(lambda m: f"{m[1] or ''}{m[2]}:***@", _IN_TEXT.sub(_masked, url))


def mask_text(text: str) -> str:
    """Hide the password of every URL in a message, a log line or a report."""
    return _IN_TEXT.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    return f"{match[1]}{match[2]}:***@"
