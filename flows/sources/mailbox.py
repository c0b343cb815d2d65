"""Newsletters by email: IMAP over TLS, Maildir, mbox or a folder of .eml, to raw items."""

from __future__ import annotations

import hashlib
import imaplib
import logging
import mailbox
import ssl
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from flows.records import RawItem, SourceError
from flows.sources.tracking import strip_tracking
from flows.tls import verified_context

log = logging.getLogger(__name__)
PARSER = BytesParser(policy=policy.default)


def message_to_item(source: str, raw: bytes, fetched_at: datetime) -> RawItem:
    """The HTML part (else the text part); the list or sender names the newsletter."""
    message = PARSER.parsebytes(raw)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html", "plain"))
    content = part.get_content() if part is not None else ""
    is_html = part is not None and part.get_content_type() == "text/html"
    if is_html:
        content = strip_tracking(content)
    published = _date(message["Date"])
    return RawItem(
        source=source,
        # Message-ID names a message everywhere; without one, its bytes do.
        identity=(message["Message-ID"] or "").strip()
        or "sha256:" + hashlib.sha256(raw).hexdigest(),
        body=content.encode("utf-8"),
        content_type="text/html" if is_html else "text/plain",
        fetched_at=fetched_at,
        publisher=sender_name(message),
        title=str(message["Subject"] or "").strip() or None,
        published_at=published,
        date_how="header" if published else None,
        charset="utf-8",
    )


def sender_name(message: EmailMessage) -> str:
    """List-Id's description (else its id), else From's display name (else address)."""
    list_id = str(message["List-Id"] or "").strip()
    if list_id:
        name, address = parseaddr(list_id)
        return name.strip('"') or address or list_id.strip("<>")
    name, address = parseaddr(str(message["From"] or ""))
    return name or address


def read_maildir(source: str, path: Path, now: datetime) -> list[RawItem]:
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise SourceError(f"{source}: {path} is not a Maildir (no cur/ or new/)")
    box = mailbox.Maildir(path, factory=None, create=False)
    return [message_to_item(source, box.get_bytes(key), now) for key in sorted(box.keys())]


def read_mbox(source: str, path: Path, now: datetime) -> list[RawItem]:
    if not path.is_file():
        raise SourceError(f"{source}: {path} is not an mbox file")
    box = mailbox.mbox(path, factory=None, create=False)
    return [message_to_item(source, box.get_bytes(key), now) for key in box.iterkeys()]


def read_eml_folder(source: str, path: Path, now: datetime) -> list[RawItem]:
    if not path.is_dir():
        raise SourceError(f"{source}: {path} is not a folder")
    return [message_to_item(source, p.read_bytes(), now) for p in sorted(path.glob("*.eml"))]


def read_imap(
    source: str,
    *,
    host: str,
    user: str,
    password: str,
    now: datetime,
    port: int = 993,
    folder: str = "INBOX",
    mark_read: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> list[RawItem]:
    """Unread messages of `folder` over TLS (every message when not marking read); read
    with BODY.PEEK so that only `mark_read` changes the server's flags. The server's
    certificate and name are checked before the password is sent (imaplib checks neither
    unless given a context that does)."""
    context = ssl_context or verified_context()
    try:
        with imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=30) as imap:
            imap.login(user, password)
            status, _ = imap.select(_quote(folder), readonly=not mark_read)
            if status != "OK":
                raise SourceError(f"{source}: no folder {folder!r} on {host}")
            _, found = imap.uid("SEARCH", "UNSEEN" if mark_read else "ALL")
            items = []
            for uid in found[0].split():
                _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(part[1] for part in data if isinstance(part, tuple))
                items.append(message_to_item(source, raw, now))
                if mark_read:
                    imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            return items
    except imaplib.IMAP4.error as err:
        raise SourceError(f"{source}: IMAP {host}: {_words(err)}") from None
    except (OSError, ssl.SSLError) as err:
        raise SourceError(f"{source}: IMAP {host}:{port}: {err}") from None


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _words(err: Exception) -> str:
    text = str(err)
    return text[2:-1] if text.startswith("b'") else text


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
