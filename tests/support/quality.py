"""The labelled set (tests/data/eval/) through the real steps, and the figures it gives:
raw items -> normalise (boilerplate learned per publisher) -> store and link near-duplicates
-> stories per ISO week -> rendered digests. Shared by test_quality and bench_quality."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from flows.dedupe.near import collapse
from flows.records import Digest, RawItem, StoredDocument, Story
from flows.render.digest import render_digest
from flows.stories.build import build_stories
from flows.text import key
from flows.weeks import week_bounds, week_of
from tests.support.evaluation import (
    LabelledDocument,
    Scores,
    bcubed,
    boilerplate_sentences,
    content_sentences,
    load_corpus,
    pairwise_scores,
    true_near_duplicate_groups,
    true_story_labels,
)
from tests.support.pipeline import store_items

SOURCE = "eval"
ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Figures:
    documents: int
    units: int
    near_duplicates: Scores
    stories: Scores
    boilerplate_in_digests: list[str]  # boilerplate sentences found in a rendered digest
    content_kept: float  # share of content sentences found in the stored texts
    undated: int
    undated_right_week: float
    wrong_weeks: list[str]


def raw_item(doc: LabelledDocument) -> RawItem:
    return RawItem(
        source=SOURCE,
        identity=doc.id,
        body=doc.text.encode("utf-8"),
        content_type="text/plain",
        fetched_at=doc.fetched,
        publisher=doc.outlet,
        title=doc.title,
        published_at=doc.published,
        date_how="feed" if doc.published else None,
    )


def measure(database_url: str) -> Figures:
    corpus = load_corpus()
    now = max(d.fetched for d in corpus).astimezone(UTC)
    stored = store_items(database_url, SOURCE, [raw_item(d) for d in corpus], ZONE, now)
    weeks = sorted({week_of(d.published_at, ZONE) for d in stored})
    digests = []
    for week in weeks:
        starts, ends = week_bounds(week, ZONE)
        members = [d for d in stored if starts <= d.published_at < ends]
        stories = build_stories(members)
        digests.append(Digest(week, "Eval", starts, ends, tuple(stories), len(members)))
    # A story may cross a week's boundary (a storm on Sunday night): its units are labelled
    # by clustering every document at once (time-windowed, so the same as week by week
    # with the days before kept in view); each week's digest is rendered from its own.
    return _figures(corpus, stored, digests, build_stories(stored))


def _figures(
    corpus: list[LabelledDocument],
    stored: list[StoredDocument],
    digests: list[Digest],
    everything: list[Story],
) -> Figures:
    groups = [[s.identity for s in d.sightings] for d in collapse(stored)]
    near = pairwise_scores(groups, true_near_duplicate_groups(corpus))

    predicted = _story_labels(corpus, everything)
    truth = true_story_labels(corpus)
    stories = bcubed(predicted, truth)

    leaked = []
    for digest in digests:
        rendered = render_digest(digest)
        html, text = key(rendered.html), key(rendered.text)
        for doc in corpus:
            for sentence in boilerplate_sentences(doc):
                k = key(sentence)
                if len(k.split()) >= 4 and (k in html or k in text):
                    leaked.append(f"{digest.week} {doc.id}: {sentence}")

    stored_text = {s.identity: key(d.text) for d in stored for s in d.sightings}
    sentences = [(d.id, key(s)) for d in corpus for s in content_sentences(d)]
    kept = sum(1 for doc_id, s in sentences if s in stored_text[doc_id])

    published = {s.identity: d.published_at for d in stored for s in d.sightings}
    undated = [d for d in corpus if d.published is None]
    wrong = [
        f"{d.id}: {published[d.id]:%Y-%m-%d} for {d.true_published}"
        for d in undated
        if published[d.id].astimezone(ZONE).isocalendar()[:2] != d.true_published.isocalendar()[:2]
    ]
    return Figures(
        documents=len(corpus),
        units=len(truth),
        near_duplicates=near,
        stories=stories,
        boilerplate_in_digests=leaked,
        content_kept=kept / len(sentences),
        undated=len(undated),
        undated_right_week=1 - len(wrong) / len(undated) if undated else 1.0,
        wrong_weeks=wrong,
    )


def _story_labels(corpus: list[LabelledDocument], stories: list[Story]) -> dict[str, str]:
    """Unit -> story key: an article by its identity among a story's sightings, a newsletter
    item by the story whose member text holds the item's first words."""
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for story in stories:
        for member in story.documents:
            for sighting in member.sightings:
                holders[sighting.identity].append((story.key, key(member.text)))
    labels: dict[str, str] = {}
    for doc in corpus:
        if doc.kind == "article":
            labels[doc.id] = holders[doc.id][0][0] if holders[doc.id] else f"missing:{doc.id}"
            continue
        for unit, item in zip(doc.unit_ids(), doc.items, strict=True):
            start = key(item.starts)
            found = [story for story, text in holders[doc.id] if start in text]
            labels[unit] = found[0] if found else f"missing:{unit}"
    return labels
