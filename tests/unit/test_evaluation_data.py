"""The labelled evaluation set meets the issue's floors, and the scores are computed right."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.evaluation import (
    EvalDataError,
    LabelledDocument,
    bcubed,
    boilerplate_sentences,
    content_sentences,
    item_texts,
    load_corpus,
    pairwise_scores,
    split_sentences,
    true_near_duplicate_groups,
    true_story_labels,
)

CORPUS = load_corpus()
BY_ID = {doc.id: doc for doc in CORPUS}


def outlets_by_event() -> dict[str, set[str]]:
    outlets: dict[str, set[str]] = defaultdict(set)
    for doc in CORPUS:
        events = [doc.event] if doc.kind == "article" else [i.event for i in doc.items]
        for event in events:
            outlets[str(event)].add(doc.outlet)
    return outlets


def texts_of(event: str) -> str:
    parts = [d.text for d in CORPUS if d.event == event]
    parts += [
        t for d in CORPUS for t, i in zip(item_texts(d), d.items, strict=True) if i.event == event
    ]
    return "\n".join(parts)


def test_the_set_meets_the_floors_of_the_issue() -> None:
    outlets = outlets_by_event()
    covered = {event: n for event, n in outlets.items() if len(n) >= 3}
    assert len(CORPUS) >= 90
    assert len(covered) >= 12
    assert all(len(names) <= 8 for names in outlets.values())
    articles = [d for d in CORPUS if d.kind == "article"]
    assert all(80 <= len(d.text.split()) <= 400 for d in articles)
    weeks = {d.true_published.isocalendar()[:2] for d in CORPUS}
    assert len(weeks) >= 10


def test_near_duplicates_of_every_kind_are_present() -> None:
    groups = [g for g in true_near_duplicate_groups(CORPUS) if len(g) > 1]
    assert len(groups) >= 10
    copies = [d for d in CORPUS if d.copy_of]
    newsletters_resent = [d for d in copies if d.kind == "newsletter"]
    retitled = [d for d in copies if d.title != BY_ID[str(d.copy_of)].title]
    assert len(newsletters_resent) >= 2 and len(retitled) >= 8
    # A copy is the same story as its original.
    assert all(d.event == BY_ID[str(d.copy_of)].event for d in copies if d.kind == "article")


@pytest.mark.parametrize(
    ("first", "second", "same_week"),
    [
        ("wirawan-donnelly-call-nov-2025", "wirawan-donnelly-call-dec-2025", False),
        ("kigali-summit-2025", "kivu-ceasefire-2025", True),
        ("canada-mexico-trade-deal-2025", "canada-mexico-visa-dispute-2025", True),
    ],
)
def test_distractor_events_share_names_but_not_a_label(
    first: str, second: str, same_week: bool
) -> None:
    outlets = outlets_by_event()
    assert len(outlets[first]) >= 3 and len(outlets[second]) >= 3
    names = [set(re.findall(r"[A-Z][a-zé]+ [A-Z][a-zé]+", texts_of(e))) for e in (first, second)]
    assert len(names[0] & names[1]) >= 2
    weeks = [
        {d.true_published.isocalendar()[:2] for d in CORPUS if d.event == e}
        for e in (first, second)
    ]
    assert bool(weeks[0] & weeks[1]) == same_week


def test_newsletters_bundle_items_with_boilerplate_glued_to_content() -> None:
    newsletters = [d for d in CORPUS if d.kind == "newsletter"]
    issues: dict[str, int] = defaultdict(int)
    for doc in newsletters:
        issues[doc.outlet] += 1
        assert 2 <= len(doc.items) <= 4 and len(doc.boilerplate) >= 5
        assert doc.text.lstrip().startswith(doc.boilerplate[0])  # the greeting
        assert all(text for text in item_texts(doc))
    assert len(newsletters) >= 20
    assert len([n for n in issues.values() if n >= 4]) >= 3
    glued = {
        doc.outlet
        for doc in newsletters
        for line in doc.boilerplate
        for paragraph in doc.text.split("\n\n")
        if paragraph.strip().endswith(line) and paragraph.strip() != line
    }
    assert glued == set(issues)


def test_a_third_of_the_documents_have_no_date_but_their_text_names_one() -> None:
    undated = [d for d in CORPUS if d.published is None]
    assert len(undated) >= len(CORPUS) // 4
    weekday_or_month = re.compile(
        r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
        r"|\b(Oct|Nov|Dec|Jan)[a-z]*\.? \d|\d{4}-\d\d-\d\d"
    )
    assert all(weekday_or_month.search(d.text) for d in undated)
    assert all(0 <= (d.fetched.date() - d.true_published).days <= 3 for d in CORPUS)


def test_glued_promotion_is_boilerplate_and_the_paragraph_before_it_content() -> None:
    doc = BY_ID["meridian-2025-11-21"]
    content, boilerplate = content_sentences(doc), boilerplate_sentences(doc)
    assert "Political talks are to follow in Nairobi in January." in content
    assert any(s.startswith("For more on African diplomacy") for s in boilerplate)
    assert not any("Meridian" in s for s in content)
    assert "Coast guards at sea" not in content  # a heading is neither
    assert "Dear Meridian Reader," in boilerplate


def test_story_units_are_articles_and_newsletter_items() -> None:
    labels = true_story_labels(CORPUS)
    assert labels["summit-01"] == "kigali-summit-2025"
    assert labels["meridian-2025-11-21#1"] == "kivu-ceasefire-2025"
    assert "meridian-2025-11-21" not in labels
    units = sum(1 if d.kind == "article" else len(d.items) for d in CORPUS)
    assert len(labels) == units


# The loader rejects inconsistent data, naming the file and the id.

GOOD = """
[[documents]]
id = "a-1"
outlet = "Wire"
kind = "article"
title = "T"
event = "e"
fetched = 2025-11-03T10:00:00+00:00
true_published = 2025-11-03
text = '''One two three four five six seven. Share this'''
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('copy_of = "nobody"\n', "copy_of 'nobody'"),
        ('boilerplate = ["Learn more"]\n', "boilerplate 'Learn more'"),
        ("published = 2025-11-04T10:00:00+00:00\n", "is not on 2025-11-03"),
        ("published = 2025-11-03T10:00:00\n", "offset date-time"),
    ],
)
def test_the_loader_names_file_and_id_of_bad_data(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "bad.toml").write_text(GOOD.replace('event = "e"\n', 'event = "e"\n' + extra))
    with pytest.raises(EvalDataError, match=r"bad\.toml: a-1") as error:
        load_corpus(tmp_path)
    assert message in str(error.value)


def test_the_loader_rejects_duplicate_ids_and_lost_item_starts(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text(GOOD)
    (tmp_path / "two.toml").write_text(GOOD)
    with pytest.raises(EvalDataError, match=r"two\.toml: id 'a-1' is also used in one\.toml"):
        load_corpus(tmp_path)
    (tmp_path / "two.toml").write_text(
        GOOD.replace('"article"', '"newsletter"').replace('event = "e"\n', "")
        .replace("a-1", "n-1")
        + '[[documents.items]]\nevent = "e"\nstarts = "Six seven eight nine ten eleven"\n'
    )  # fmt: skip
    with pytest.raises(EvalDataError, match=r"two\.toml: n-1: item start 'Six seven"):
        load_corpus(tmp_path)


# Sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("The U.S. Treasury said so. Mr. Brandt agreed.",
         ["The U.S. Treasury said so.", "Mr. Brandt agreed."]),
        ("It hit at 9:14 p.m. local time. Nobody died.",
         ["It hit at 9:14 p.m. local time.", "Nobody died."]),
        ('"It works," she said. "Really." Then on Oct. 30 it did.',
         ['"It works," she said.', '"Really."', "Then on Oct. 30 it did."]),
        ("Dear Reader,\nWe want to hear from you! Write to us.",
         ["Dear Reader,", "We want to hear from you!", "Write to us."]),
    ],
)  # fmt: skip
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


# Scores


def test_pairwise_scores_by_hand() -> None:
    truth = [["a", "b", "c"], ["d", "e"], ["f"]]
    # Predicted pairs ab, cd, ce, de; true pairs ab, ac, bc, de: two of four each way.
    scores = pairwise_scores([["a", "b"], ["c", "d", "e"], ["f"]], truth)
    assert (scores.precision, scores.recall, scores.f1) == (0.5, 0.5, 0.5)
    everything_apart = pairwise_scores([["a"], ["b"], ["c"], ["d"], ["e"], ["f"]], truth)
    assert (everything_apart.precision, everything_apart.recall) == (1.0, 0.0)
    one_lump = pairwise_scores([["a", "b", "c", "d", "e", "f"]], truth)
    assert one_lump.precision == pytest.approx(4 / 15) and one_lump.recall == 1.0


def test_bcubed_on_the_textbook_case_of_bagga_and_baldwin() -> None:
    # Truth: {1..5}, {6, 7}, {8, 9, A, B, C}; response merges the last two chains.
    truth = {u: "x" for u in "12345"} | {u: "y" for u in "67"} | {u: "z" for u in "89ABC"}
    predicted = {u: "p" for u in "12345"} | {u: "q" for u in "6789ABC"}
    scores = bcubed(predicted, truth)
    assert scores.precision == pytest.approx(16 / 21)  # 0.762, as in the paper
    assert scores.recall == 1.0
    assert bcubed(truth, predicted).recall == pytest.approx(16 / 21)


def test_bcubed_needs_the_same_units() -> None:
    assert bcubed({"a": "1", "b": "2"}, {"a": "x", "b": "x"}).recall == 0.5
    with pytest.raises(ValueError, match="missing"):
        bcubed({"a": "1"}, {"a": "x", "b": "x"})


def test_true_groups_follow_copy_of_transitively() -> None:
    def doc(ident: str, copy_of: str | None) -> LabelledDocument:
        base = BY_ID["summit-01"]
        return LabelledDocument(
            id=ident, outlet="o", title="t", kind="article", text=base.text, fetched=base.fetched,
            true_published=base.true_published, copy_of=copy_of, event="e",
        )  # fmt: skip

    docs = [doc("a", None), doc("b", "a"), doc("c", "b"), doc("d", None)]
    assert true_near_duplicate_groups(docs) == [frozenset("abc"), frozenset("d")]
