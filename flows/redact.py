"""Credentials out of what is shown: the password of a URL, wherever it appears in a text."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

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


def mask_log_records() -> None:
    """Every log record made in this process from now on has the passwords of its URLs
    masked, whoever logs it (a library, Prefect): its copy in Prefect's database included.
    Once per process; a record without "@" costs one test."""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks_urls", False):
        return

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if "@" in str(record.msg) or any("@" in str(a) for a in _args(record)):
            record.msg, record.args = mask_text(record.getMessage()), None
        return record

    masked.masks_urls = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)


def _args(record: logging.LogRecord) -> tuple[Any, ...]:
    args = record.args
    if isinstance(args, Mapping):
        return tuple(args.values())
    return args or ()
