"""Text made safe to show a reader: no bidi override characters anywhere, and a header
value on one line of bounded length."""

from __future__ import annotations

import re
import unicodedata

# Embeddings, overrides and isolates reorder what is displayed ("gpj.exe" shown as
# "exe.jpg"): a title or a link label must read as it is stored.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
SUBJECT_LIMIT = 150  # characters; longer subjects are cut by clients anyway
_SPACES = re.compile(r"\s+")


def without_bidi_controls(text: str) -> str:
    """`text` less U+202A-U+202E and U+2066-U+2069."""
    return BIDI_CONTROLS.sub("", text)


def header_value(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """One line for an email header: bidi overrides go, line and paragraph separators and
    control characters become spaces, runs of space one; longer than `limit`, it is cut
    at a word boundary and ends with an ellipsis."""
    shown = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in without_bidi_controls(text)
    )
    line = _SPACES.sub(" ", shown).strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if not line[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
