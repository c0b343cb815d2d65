"""The endpoint's pages: a question with its button, an answer, the manage page. Every
text from a reader or a source is escaped; no script, no image, nothing remote."""

from __future__ import annotations

import html
from collections.abc import Sequence

from flows.records import Feedback

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32em; margin: 3em auto;">
<h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str) -> bytes:
    """`body` is HTML already made safe; `title` is text."""
    return PAGE.format(title=html.escape(title), body=body).encode()


def text(words: str) -> str:
    return f"<p>{html.escape(words)}</p>"


def button(action: str, label: str, fields: dict[str, str] | None = None) -> str:
    """A form that POSTs to `action` (a path and query of ours)."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in (fields or {}).items()
    )
    return (f'<form method="post" action="{html.escape(action)}">{hidden}'
            f'<button type="submit">{html.escape(label)}</button></form>')  # fmt: skip


def link(href: str, label: str) -> str:
    return f'<p><a href="{html.escape(href)}">{html.escape(label)}</a></p>'


def described(item: Feedback) -> str:
    if item.kind == "mute":
        return f"Muted: {item.label}"
    return f"Less like: “{item.label}”"


def manage(email: str, said: Sequence[Feedback], action: str, unsubscribe: str, note: str) -> str:
    """The body of the manage page: each thing the reader said, with a button to undo it."""
    parts = [text(note)] if note else []
    parts.append(text(f"What {email} asked of the digest, applied to the next ones:"))
    if not said:
        parts.append(text("Nothing yet: every story of the week, from every source."))
    for item in said:
        undo = button(action, "Undo", {"undo": str(item.id)})
        parts.append(f'<div style="margin: 1em 0;">{text(described(item))}{undo}</div>')
    parts.append(link(unsubscribe, "Unsubscribe from the digest"))
    return "".join(parts)
