"""Sentence splitting and comparison keys."""

from __future__ import annotations

import pytest

from flows.text import key, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("The U.S. and China met. Then they left.", ["The U.S. and China met.", "Then they left."]),
        ('He said "yes." She agreed.', ['He said "yes."', "She agreed."]),
        ("Dr. Smith arrived on Dec. 5. It rained.", ["Dr. Smith arrived on Dec. 5.", "It rained."]),
        ("Growth was 3.5 percent. Good.", ["Growth was 3.5 percent.", "Good."]),
        ("J. Smith wrote it. Fine.", ["J. Smith wrote it.", "Fine."]),
        ("no capital after. the stop", ["no capital after. the stop"]),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_keys_ignore_case_accents_punctuation_and_spacing() -> None:
    assert key("  Café, “déjà”   VU! ") == key("cafe deja vu") == "cafe deja vu"
