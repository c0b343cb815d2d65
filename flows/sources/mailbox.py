"""Newsletters by email: IMAP over TLS, Maildir, mbox or a folder of .eml, to raw items."""

from __future__ import annotations

import hashlib
import imaplib
import logging
import mailbox
import ssl
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from functools import partial
from pathlib import Path

from flows.records import Failure, RawItem, SourceError
from flows.sanitise import multi_line
from flows.sources.tracking import strip_tracking
from flows.tls import verified_context

log = logging.getLogger(__name__)
PARSER = BytesParser(policy=policy.default)


def message_to_item(source: str, raw: bytes, fetched_at: datetime) -> RawItem:
    """The HTML part (else the text part); the list or sender names the newsletter. A header
    that cannot be parsed is read as it came; a part in an unknown charset is handed on as
    bytes (normalise decodes it as UTF-8, else Windows-1252)."""
    message = PARSER.parsebytes(raw)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html", "plain"))
    content, charset = _content(part) if part is not None else (b"", "utf-8")
    is_html = part is not None and part.get_content_type() == "text/html"
    if is_html and charset:
        content = strip_tracking(content.decode(charset)).encode(charset)
    published = _date(header(message, "Date"))
    return RawItem(
        source=source,
        # Message-ID names a message everywhere; without one, its bytes do.
        identity=header(message, "Message-ID").strip()
        or "sha256:" + hashlib.sha256(raw).hexdigest(),
        body=content,
        content_type="text/html" if is_html else "text/plain",
        fetched_at=fetched_at,
        publisher=sender_name(message),
        title=header(message, "Subject").strip() or None,
        published_at=published,
        date_how="header" if published else None,
        charset=charset,
    )


def header(message: EmailMessage, name: str) -> str:
    """A header's value; when the email package cannot parse it (`<[/]@x>` as Message-ID
    raises IndexError), its raw text: a broken header costs its structure, not the mail."""
    try:
        return str(message[name] or "")
    except Exception:  # the email package's header parsers raise more than they document
        raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
        return str(raw)


def _content(part: EmailMessage) -> tuple[bytes, str | None]:
    """The part's text as UTF-8; its undecoded bytes (charset unknown) when it names a
    charset Python does not know."""
    try:
        return multi_line(part.get_content()).encode("utf-8", errors="replace"), "utf-8"
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True)
        return (payload if isinstance(payload, bytes) else b""), None


def sender_name(message: EmailMessage) -> str:
    """List-Id's description (else its id), else From's display name (else address)."""
    list_id = header(message, "List-Id").strip()
    if list_id:
        name, address = parseaddr(list_id)
        return name.strip('"') or address or list_id.strip("<>")
    name, address = parseaddr(header(message, "From"))
    return name or address


def read_messages(
    source: str, messages: Iterable[tuple[str, Callable[[], bytes]]], now: datetime
) -> tuple[list[RawItem], list[Failure]]:
    """Each (name, bytes reader) as a raw item, once by identity (a Message-ID seen twice:
    the later message wins); a message that cannot be read or parsed fails alone, under its
    name, with why."""
    items: dict[str, RawItem] = {}
    failures = []
    for name, read in messages:
        try:
            item = message_to_item(source, read(), now)
        except Exception as err:  # a mail no parser expected: this message alone fails
            failures.append(Failure(source, name, f"unreadable mail: {type(err).__name__}: {err}"))
            continue
        if item.identity in items:
            log.info("%s: %s appears twice; keeping the later", source, item.identity)
        items[item.identity] = item
    return list(items.values()), failures


def read_maildir(source: str, path: Path, now: datetime) -> tuple[list[RawItem], list[Failure]]:
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise SourceError(f"{source}: {path} is not a Maildir (no cur/ or new/)")
    box = mailbox.Maildir(path, factory=None, create=False)
    return read_messages(source, ((k, partial(box.get_bytes, k)) for k in sorted(box.keys())), now)


def read_mbox(source: str, path: Path, now: datetime) -> tuple[list[RawItem], list[Failure]]:
    if not path.is_file():
        raise SourceError(f"{source}: {path} is not an mbox file")
    box = mailbox.mbox(path, factory=None, create=False)
    messages = ((f"message {k + 1}", partial(box.get_bytes, k)) for k in box.iterkeys())
    return read_messages(source, messages, now)


def read_eml_folder(source: str, path: Path, now: datetime) -> tuple[list[RawItem], list[Failure]]:
    if not path.is_dir():
        raise SourceError(f"{source}: {path} is not a folder")
    return read_messages(source, ((p.name, p.read_bytes) for p in sorted(path.glob("*.eml"))), now)


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
) -> tuple[list[RawItem], list[Failure]]:
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
            items, failures = [], []
            for uid in found[0].split():
                _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(part[1] for part in data if isinstance(part, tuple))
                one = [(f"uid {uid.decode()}", partial(bytes, raw))]
                got, failed = read_messages(source, one, now)
                items += got
                failures += failed
                if mark_read:
                    imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            return items, failures
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
