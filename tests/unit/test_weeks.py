"""ISO weeks in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.weeks import WeekError, last_complete_week, week_bounds, week_of, week_range, weeks_with

UTCZ = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("moment", "zone", "week"),
    [
        (datetime(2025, 10, 24, 12, tzinfo=UTC), UTCZ, "2025-W43"),
        (datetime(2025, 10, 26, 23, 59, tzinfo=UTC), UTCZ, "2025-W43"),
        (datetime(2025, 10, 26, 20, 0, tzinfo=UTC), TOKYO, "2025-W44"),  # already Monday there
        (datetime(2026, 1, 1, tzinfo=UTC), UTCZ, "2026-W01"),
        (datetime(2027, 1, 1, tzinfo=UTC), UTCZ, "2026-W53"),
    ],
)
def test_week_of(moment: datetime, zone: ZoneInfo, week: str) -> None:
    assert week_of(moment, zone) == week


def test_bounds_run_monday_to_monday_local_time() -> None:
    start, end = week_bounds("2025-W43", TOKYO)
    assert start == datetime(2025, 10, 19, 15, tzinfo=UTC)
    assert end == datetime(2025, 10, 26, 15, tzinfo=UTC)


def test_last_complete_week_is_the_one_before() -> None:
    monday_7am = datetime(2025, 10, 27, 7, tzinfo=UTC)
    assert last_complete_week(monday_7am, UTCZ) == "2025-W43"


def test_ranges_cross_years() -> None:
    assert week_range("2025-W52", "2026-W02") == ["2025-W52", "2026-W01", "2026-W02"]
    assert weeks_with([datetime(2025, 12, 5), datetime(2025, 10, 24, tzinfo=UTC)], UTCZ) == [
        "2025-W43",
        "2025-W49",
    ]


@pytest.mark.parametrize("bad", ["2025-43", "W43", "2025-W54", "2025-W00"])
def test_bad_weeks_are_refused(bad: str) -> None:
    with pytest.raises(WeekError):
        week_range(bad, "2025-W50")


def test_a_backwards_range_is_refused() -> None:
    with pytest.raises(WeekError, match="comes after"):
        week_range("2025-W50", "2025-W40")
