"""Build the email of a rendered digest: a pure function, no sending."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from flows.records import RenderedDigest
from flows.safe_text import header_value, without_bidi_controls


def stable_message_id(week: str, recipient: str, domain: str) -> str:
    """The same (week, recipient) always gets the same id, so clients drop a duplicate."""
    token = hashlib.sha256(f"{week}\0{recipient.lower()}".encode()).hexdigest()[:24]
    return f"<digest-{week.lower()}-{token}@{domain}>"


def build_message(
    rendered: RenderedDigest,
    *,
    sender: str,
    reply_to: str,
    recipient: str,
    message_id: str,
    date: datetime,
    list_id: str,
    unsubscribe_mailto: str | None = None,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML last (the one clients prefer).

    The subject comes from a story's title: it is made one line of bounded length, as a
    line break in a header is refused (and would inject headers). No bidi override
    reaches the subject or the body. An address that cannot be a header raises ValueError.
    """
    message = EmailMessage()
    message["Subject"] = header_value(rendered.subject)
    message["From"] = sender
    message["To"] = recipient
    message["Reply-To"] = reply_to
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["List-Id"] = list_id
    targets = [f"<{u}>" for u in (unsubscribe_mailto, unsubscribe_url) if u]
    if targets:
        message["List-Unsubscribe"] = ", ".join(targets)
    if unsubscribe_url:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps every line under SMTP's 998-octet limit (inlined CSS is long).
    text, html = without_bidi_controls(rendered.text), without_bidi_controls(rendered.html)
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message
