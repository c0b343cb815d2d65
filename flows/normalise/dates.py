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
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)
# "Thursday, October 30", "Thursday Oct. 30", "Thursday, 30 October": the weekday fixes the year.
_BESIDE = rf"(?:(?P<weekday>{_WEEKDAY}),?\s+(?:the\s+)?)?"
MONTH_DAY = re.compile(
    rf"{_BESIDE}\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
DAY_MONTH = re.compile(
    rf"{_BESIDE}\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\b\.?(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
# A weekday on its own ("on Monday", "last Tuesday", "Wednesday brought..."): the latest such
# day on or before the reference. "next Monday" and "will ... on Monday" look ahead: skipped.
RELATIVE = re.compile(rf"\b(?P<prefix>(?:last|this|next|on|since)\s+)?(?P<weekday>{_WEEKDAY})\b",
                      re.IGNORECASE)  # fmt: skip
AHEAD = re.compile(r"\b(?:will|next|to be|due|scheduled|expected|plans? to)\b[^.!?]*$", re.I)
SLACK = timedelta(days=1)
YEARS_AROUND = range(-3, 2)  # years tried for a weekday's date, nearest the reference first


@dataclass(frozen=True)
class DateGuess:
    when: datetime
    evidence: str


def infer_date(text: str, reference: datetime, zone: ZoneInfo) -> DateGuess | None:
    """The latest explicit date in `text` that is not after `reference`: a newsletter is
    published on or after the last day it reports, while later dates are announcements."""
    local_ref = reference.astimezone(zone).date()
    found: list[tuple[date, str]] = []
    taken: list[range] = []
    for pattern in (ISO, MONTH_DAY, DAY_MONTH):
        for match in pattern.finditer(text):
            day = _resolve(match, local_ref)
            taken.append(range(*match.span()))
            if day is not None and day <= local_ref + SLACK:
                found.append((day, match.group(0)))
    for match in RELATIVE.finditer(text):
        if any(match.start("weekday") in span for span in taken):
            continue  # the weekday beside an explicit date, read above
        day = _relative(match, text, local_ref)
        if day is not None:
            found.append((day, match.group(0)))
    if not found:
        return None
    day, quoted = max(found)
    when = datetime.combine(day, time(12), tzinfo=zone)
    return DateGuess(when, f'text: "{quoted}" (latest date not after {local_ref:%Y-%m-%d})')


def _relative(match: re.Match[str], text: str, reference: date) -> date | None:
    prefix = (match.group("prefix") or "").strip().lower()
    sentence_before = text[max(0, match.start() - 80) : match.start()]
    if prefix == "next" or AHEAD.search(sentence_before):
        return None
    back = (reference.weekday() - WEEKDAYS.index(match.group("weekday").lower())) % 7
    if prefix == "last" and back == 0:
        back = 7
    return reference - timedelta(days=back)


def _resolve(match: re.Match[str], reference: date) -> date | None:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower().rstrip(".")]
    year_text = match.group("year")
    weekday = match.groupdict().get("weekday")
    try:
        if year_text:
            return date(int(year_text), month, int(match.group("day")))
        if weekday:
            # The year, near the reference, in which that day falls on the weekday named.
            wanted = WEEKDAYS.index(weekday.lower())
            for offset in sorted(YEARS_AROUND, key=abs):
                try:
                    candidate = date(reference.year + offset, month, int(match.group("day")))
                except ValueError:
                    continue
                if candidate.weekday() == wanted:
                    return candidate
        # No year: the most recent such day on or before the reference (plus slack).
        candidate = date(reference.year, month, int(match.group("day")))
        if candidate > reference + SLACK:
            candidate = date(reference.year - 1, month, int(match.group("day")))
        return candidate
    except ValueError:
        return None
