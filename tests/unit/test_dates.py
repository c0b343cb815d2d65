"""Dates read from a text, with the year fixed by the reference time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.normalise.dates import infer_date

UTCZ = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("Officials met on December 5 to talk.", datetime(2025, 12, 6, tzinfo=UTC),
         date(2025, 12, 5)),
        ("The plenum concluded on October 23. A summit follows on October 30.",
         datetime(2025, 10, 24, tzinfo=UTC), date(2025, 10, 23)),
        ("Published 2024-03-02 by the desk.", datetime(2025, 1, 1, tzinfo=UTC), date(2024, 3, 2)),
        ("On 28 December the market closed early.", datetime(2026, 1, 3, tzinfo=UTC),
         date(2025, 12, 28)),
        ("Signed on Oct. 3, 2019 in Oslo.", datetime(2025, 1, 1, tzinfo=UTC), date(2019, 10, 3)),
    ],
)  # fmt: skip
def test_the_latest_date_not_after_the_reference(
    text: str, reference: datetime, expected: date
) -> None:
    guess = infer_date(text, reference, UTCZ)
    assert guess is not None and guess.when.date() == expected
    assert guess.evidence.startswith("text:")


def test_no_date_no_guess() -> None:
    assert infer_date("Nothing dated here, not even February.", datetime.now(UTC), UTCZ) is None


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        # The weekday beside a date picks the year: October 30 was a Thursday in 2025 ...
        ("The leaders met on Thursday, October 30 in Busan.", datetime(2026, 11, 2, tzinfo=UTC),
         date(2025, 10, 30)),
        # ... and January 2 a Friday in 2026, not in 2027 (the reference's year).
        ("The quake struck on Friday, January 2, off Chile.", datetime(2027, 3, 1, tzinfo=UTC),
         date(2026, 1, 2)),
        ("Markets shut on Wednesday 24 December.", datetime(2026, 2, 1, tzinfo=UTC),
         date(2025, 12, 24)),
        # No weekday: the most recent such day on or before the reference.
        ("Markets shut on 24 December.", datetime(2026, 2, 1, tzinfo=UTC), date(2025, 12, 24)),
    ],
)  # fmt: skip
def test_a_weekday_beside_a_date_fixes_its_year(
    text: str, reference: datetime, expected: date
) -> None:
    guess = infer_date(text, reference, UTCZ)
    assert guess is not None and guess.when.date() == expected


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        # 2025-11-06 is a Thursday.
        ("The call took place on Tuesday.", datetime(2025, 11, 6, 9, tzinfo=UTC),
         date(2025, 11, 4)),
        ("Wednesday brought the first reactions.", datetime(2025, 11, 6, tzinfo=UTC),
         date(2025, 11, 5)),
        ("The fund closed last Thursday.", datetime(2025, 11, 6, tzinfo=UTC), date(2025, 10, 30)),
        ("Results come on Thursday.", datetime(2025, 11, 6, tzinfo=UTC), date(2025, 11, 6)),
        # Looking ahead names no publication day.
        ("They meet again next Monday.", datetime(2025, 11, 6, tzinfo=UTC), None),
        ("The minister will travel to Oslo on Friday.", datetime(2025, 11, 6, tzinfo=UTC), None),
        # An explicit date later than a weekday mentioned wins.
        ("Talks began on Monday and ended on November 5.", datetime(2025, 11, 6, tzinfo=UTC),
         date(2025, 11, 5)),
    ],
)  # fmt: skip
def test_weekdays_alone_count_back_from_the_reference(
    text: str, reference: datetime, expected: date | None
) -> None:
    guess = infer_date(text, reference, UTCZ)
    assert (guess.when.date() if guess else None) == expected
    if guess:
        assert "latest date not after" in guess.evidence
