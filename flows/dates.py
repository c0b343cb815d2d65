"""Publication dates read from a text: explicit dates, the year fixed by the reference time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\b\.?(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
SLACK = timedelta(days=1)


@dataclass(frozen=True)
class DateGuess:
    when: datetime
    evidence: str


def infer_date(text: str, reference: datetime, zone: ZoneInfo) -> DateGuess | None:
    """The latest explicit date in `text` that is not after `reference`: a newsletter is
    published on or after the last day it reports, while later dates are announcements."""
    local_ref = reference.astimezone(zone).date()
    found: list[tuple[date, str]] = []
    for pattern in (ISO, MONTH_DAY, DAY_MONTH):
        for match in pattern.finditer(text):
            day = _resolve(match, local_ref)
            if day is not None and day <= local_ref + SLACK:
                found.append((day, match.group(0)))
    if not found:
        return None
    day, quoted = max(found)
    when = datetime.combine(day, time(12), tzinfo=zone)
    return DateGuess(when, f'text: "{quoted}" (latest date not after {local_ref:%Y-%m-%d})')


def _resolve(match: re.Match[str], reference: date) -> date | None:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower().rstrip(".")]
    year_text = match.group("year")
    try:
        if year_text:
            return date(int(year_text), month, int(match.group("day")))
        # No year: the most recent such day on or before the reference (plus slack).
        candidate = date(reference.year, month, int(match.group("day")))
        if candidate > reference + SLACK:
            candidate = date(reference.year - 1, month, int(match.group("day")))
        return candidate
    except ValueError:
        return None
