"""Names found by their capitals, in Python and vectorised over many texts."""

from __future__ import annotations

import pytest

from flows.entities import name_mask, names
from flows.tokens import split_words


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Talks in Kuala Lumpur with Li Chenggang began.", ["Kuala Lumpur", "Li Chenggang"]),
        (
            "The deal was signed by U.S. Treasury Secretary Scott Bessent.",
            ["U.S. Treasury Secretary Scott Bessent"],
        ),
        ("Meanwhile, rain fell. Officials met on Friday in March.", []),  # openers, days, months
        ("Shares of the Bank of England rose.", ["Bank of England"]),
        ("Donnelly's office said so.", []),  # a capital that opens a sentence proves nothing
        ("They called Wirawan's office in Jakarta.", ["Wirawan", "Jakarta"]),
    ],
)
def test_names(text: str, found: list[str]) -> None:
    assert names(text) == found


def test_name_mask_marks_capitals_inside_sentences_only() -> None:
    words = split_words(["The talks in Kuala Lumpur ended. Trump left on Friday for Tokyo."])
    text = ["The", "talks", "in", "Kuala", "Lumpur", "ended", "Trump", "left", "on", "Friday",
            "for", "Tokyo"]  # fmt: skip
    assert [w for w, m in zip(text, name_mask(words).tolist(), strict=True) if m] == [
        "Kuala", "Lumpur", "Tokyo",
    ]  # fmt: skip
