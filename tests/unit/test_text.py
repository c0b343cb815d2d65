"""Sentence splitting and comparison keys."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.text import _MAY_END, _SENTENCE_END, key, split_sentences

_PARAGRAPHS = st.text(st.sampled_from("aZ9 .!?\"'”’)]“‘([\n\t•é"))


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


@given(_PARAGRAPHS)
def test_a_paragraph_where_no_end_may_be_holds_none(paragraph: str) -> None:
    # split_sentences skips its search where _MAY_END, a faster one, finds nothing.
    assert _MAY_END.search(paragraph) is not None or _SENTENCE_END.search(paragraph) is None


@given(_PARAGRAPHS | st.text())
def test_a_key_keeps_the_ascii_letters_and_digits_of_a_text_lower_cased(text: str) -> None:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    assert key(text) == " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())
