"""The date each page of the real-news set (../shared/realnews) is grouped under: its own,
else its event's; an undated distractor the date of the event it resembles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.realnews import RealDocument

ROOT = Path(__file__).resolve().parents[2]
REALNEWS = ROOT.parent / "shared" / "realnews"


def grouping_dates(docs: Sequence[RealDocument]) -> dict[str, date]:
    """The date each document is grouped under: its own; for an undated one, the earliest
    dated document of its label (the event's date); an undated newsletter the latest date
    of its items' events. A label with no dated document (one follow-up) takes the last
    date of its row in the README's events table. An undated distractor takes the date of
    the event it is close to (the first named in its notes, "DISTRACTOR for <event>"): the
    hardest case for grouping, the same day as the event it resembles."""
    first: dict[str, date] = {}
    for doc in docs:
        if doc.published and (doc.label not in first or doc.published < first[doc.label]):
            first[doc.label] = doc.published
    table = (REALNEWS / "README.md").read_text(encoding="utf-8")
    for label in {d.label for d in docs} - set(first):
        row = re.search(rf"^\| `{re.escape(label)}` \|.*$", table, re.MULTILINE)
        if row:
            day, month, year = re.findall(r"(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})", row[0])[-1]
            first[label] = datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date()
    dates = {}
    for doc in docs:
        if doc.published:
            dates[doc.file] = doc.published
        elif doc.kind == "newsletter":
            dates[doc.file] = max(first[label] for label, _ in doc.items if label != "other")
        elif doc.label in first:
            dates[doc.file] = first[doc.label]
        elif close := close_event(doc):
            dates[doc.file] = first[close]
    return dates


def close_event(doc: RealDocument) -> str | None:
    """The event a distractor resembles, from its notes ("DISTRACTOR for <event>: ...")."""
    match = re.match(r"DISTRACTOR for ([a-z0-9-]+)", doc.notes)
    return match[1] if match else None
