"""Boilerplate: learned per publisher from what recurs, plus generic web clutter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flows.normalise.boilerplate import (
    OPENING_WORDS,
    PHRASE_WORDS,
    SELF,
    Boilerplate,
    _opening,
    _phrases,
    learn,
    strip,
)
from flows.text import key

ISSUES = [
    "Dear Reader,\nThe council met on Monday and agreed a budget. Learn more on our site by "
    "reading our latest pieces, including one on trains and more.\nWe want to hear from you!\n"
    "What should the council fund first?\nSend your thoughts to editor@example.org for a chance "
    "to be featured.\nPrepared by the Example team in two cities.",
    "Dear Reader,\nRivers rose after a week of rain. Learn more on our site by reading our "
    "latest pieces, including one on floods and more.\nWe want to hear from you!\nHow should "
    "towns prepare for floods?\nSend your thoughts to editor@example.org for a chance to be "
    "featured.\nPrepared by the Example team in two cities.",
    "Dear Reader,\nA new bridge opened to traffic.\nWe want to hear from you!\nWho should pay "
    "for bridges?\nSend your thoughts to editor@example.org for a chance to be featured.\n"
    "Prepared by the Example team in two cities.",
]


def test_recurring_lines_and_template_sentences_go_content_stays() -> None:
    model = learn(ISSUES)
    kept = strip(ISSUES[0].splitlines(), model)
    assert kept == ["The council met on Monday and agreed a budget."]


def test_nothing_is_learned_from_a_single_text() -> None:
    assert learn(ISSUES[:1]) == Boilerplate()
    assert learn([ISSUES[0], ISSUES[0]]) == Boilerplate()  # the same text twice is one text


def test_generic_clutter_goes_without_learning() -> None:
    lines = [
        "The mayor resigned on Friday after a vote.",
        "Also Read: Ten things about mayors",
        "Source link",
        "Post Comment",
    ]
    assert strip(lines, Boilerplate()) == ["The mayor resigned on Friday after a vote."]


def test_a_clutter_phrase_glued_to_content_is_cut_off() -> None:
    lines = ["Watch VideoFrom culture to tech, perceptions are changing fast."]
    assert strip(lines, Boilerplate()) == ["From culture to tech, perceptions are changing fast."]


def test_a_paragraph_loses_only_its_promotional_sentence() -> None:
    lines = ["Officials denied the claim. Learn more on our website about nuclear policy."]
    assert strip(lines, Boilerplate()) == ["Officials denied the claim."]


def test_a_long_paragraph_between_boilerplate_lines_stays() -> None:
    content = " ".join(["The committee reviewed every clause of the treaty in detail."] * 6)
    lines = ["Source link", content, "Post Comment"]
    assert strip(lines, Boilerplate()) == [content]


PROMOTING = [
    "Dear Reader,\nGood morning, and welcome to December.\nPorts reopened on Monday. For more "
    "on ports, explore our latest Harbour Focus collection, including essays on cranes.\n"
    "Do you work in a port? Tell us at desk@example.org.",
    "Dear Reader,\nGood morning.\nRain fell all week. For more on weather, explore our latest "
    "Harbour Focus collection, including essays on floods.\nHave you seen a flood? Write to "
    "desk@example.org.",
    "Dear Reader,\nGood morning, and happy new year.\nA bridge opened. For more on bridges, "
    "explore our latest Harbour Focus collection, including essays on steel.",
]


def test_promotions_in_the_publishers_own_words_go_whatever_topic_they_name() -> None:
    model = learn(PROMOTING)
    assert strip(PROMOTING[0].splitlines(), model) == ["Ports reopened on Monday."]
    assert strip(PROMOTING[1].splitlines(), model) == ["Rain fell all week."]


def test_the_seed_promotion_glued_to_a_paragraph_goes_and_the_paragraph_stays() -> None:
    paragraph = (
        'Beijing dismissed the U.S. allegations, reaffirming its "no first use" nuclear policy. '
        "Learn more on international relations by exploring our latest Focus content, "
        "including articles on Chinese-UK diplomacy, Washington's foreign policy, and more."
    )
    assert strip([paragraph], Boilerplate()) == [
        'Beijing dismissed the U.S. allegations, reaffirming its "no first use" nuclear policy.'
    ]


def test_a_question_in_the_news_stays() -> None:
    lines = ["Will the council fund the bridge? Nobody knows yet, the mayor said."]
    assert strip(lines, Boilerplate()) == lines


@given(st.lists(st.sampled_from(["Our", "us,", "WE", "ours", "we'", "Café", "news", "-", "a.b"]),
                max_size=12).map(" ".join))  # fmt: skip
def test_openings_and_phrases_are_read_from_the_words_of_the_key(sentence: str) -> None:
    # Both read the key as a string, without splitting it into words where they need not.
    tokens = key(sentence).split()
    opening = " ".join(tokens[:OPENING_WORDS]) if len(tokens) > OPENING_WORDS else ""
    assert _opening(sentence) == opening
    last = len(tokens) - PHRASE_WORDS
    starts = {i for at, token in enumerate(tokens) if token in SELF
              for i in range(max(at - PHRASE_WORDS + 1, 0), min(at, last) + 1)}  # fmt: skip
    runs = {" ".join(tokens[i : i + PHRASE_WORDS]) for i in starts}
    assert _phrases(sentence) == runs
