"""ISO weeks (Monday to Sunday) in the configured time zone: names, bounds and ranges."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week name that is not of the form 2025-W43."""


def parse_week(week: str) -> date:
    """The Monday that starts ISO week `week` ("2025-W43")."""
    match = WEEK.match(week.strip())
    if not match:
        raise WeekError(f"{week!r} is not an ISO week such as 2025-W43")
    year, number = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError(f"{week!r}: {year} has no week {number}") from None


def week_of(moment: datetime, zone: ZoneInfo) -> str:
    year, number, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{number:02d}"


def week_bounds(week: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the week in UTC: Monday 00:00 to the next Monday 00:00, local time."""
    monday = parse_week(week)
    start = datetime.combine(monday, time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_complete_week(now: datetime, zone: ZoneInfo) -> str:
    """The week before the one `now` falls in: what a Monday-morning run sends."""
    return week_of(now.astimezone(zone) - timedelta(days=7), zone)


def week_range(first: str, last: str) -> list[str]:
    """Every week from `first` to `last`, both included."""
    start, end = parse_week(first), parse_week(last)
    if end < start:
        raise WeekError(f"{first} comes after {last}")
    weeks, day = [], start
    while day <= end:
        year, number, _ = day.isocalendar()
        weeks.append(f"{year}-W{number:02d}")
        day += timedelta(days=7)
    return weeks


def weeks_with(moments: Iterable[datetime], zone: ZoneInfo) -> list[str]:
    """The sorted weeks that contain at least one of `moments`."""
    return sorted({week_of(m if m.tzinfo else m.replace(tzinfo=UTC), zone) for m in moments})
