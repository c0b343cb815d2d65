"""Dates read from a text, with the year fixed by the reference time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.dates import infer_date

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
