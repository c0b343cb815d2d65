"""The real-news development set (../shared/realnews, third-party pages read in place, never
copied) through the production steps, and the grouping figures it gives: raw items ->
normalise -> store and link near-duplicates -> stories per ISO week -> continuations.
Undated pages are grouped under their event's date; the five undated distractors under the
date of the event each resembles (the hardest case: the same day), measured with the rest or,
for the floors, left out (tests.support.realnews_dates)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.dedupe.near import collapse
from flows.records import RawItem, StoredDocument, Story
from flows.stories.build import build_stories
from flows.stories.threads import PastStory, continuations
from flows.text import key
from flows.weeks import week_of
from tests.support.evaluation import Scores, bcubed, pairwise_scores
from tests.support.pipeline import store_items
from tests.support.realnews_dates import REALNEWS, close_event, grouping_dates

SOURCE = "realnews"
ZONE = ZoneInfo("UTC")
CLOSE_COPY = 0.45  # 5-gram overlap from which the set calls a copy a close (wire) copy


@dataclass(frozen=True)
class RealDocument:
    file: str
    outlet: str
    url: str
    kind: str  # "article" | "newsletter"
    label: str  # the event, a follow-up, a distractor's own label, or "newsletter"
    published: date | None
    copy_of: str | None
    items: tuple[tuple[str, str], ...]  # (label, first six words) of a newsletter's items
    notes: str
    text: str

    def units(self) -> list[tuple[str, str]]:
        """(unit id, true story): the article, or each newsletter item ("other" on its own)."""
        if self.kind == "article":
            return [(self.file, self.label)]
        return [
            (f"{self.file}#{n}", f"other:{self.file}#{n}" if label == "other" else label)
            for n, (label, _) in enumerate(self.items)
        ]


@dataclass(frozen=True)
class Figures:
    documents: int
    units: int
    weeks: int
    within: Scores  # B-cubed, each ISO week on its own
    across: Scores  # B-cubed with this week's stories joined to the earlier ones they continue
    pairwise: Scores  # within a week
    close_copies: Scores  # pairs folded as near-duplicates vs the close copy_of pairs
    reworded_together: float  # share of the other copy_of pairs in one story
    items_in_event: float  # share of newsletter items (of a set event) in their event's story
    articles_within: Scores  # B-cubed of the articles alone: grouping apart from newsletters
    articles_across: Scores
    distractors_apart: float  # share of the distractors in a story holding nothing else
    misses: list[str] = field(default_factory=list)  # what went wrong, for people


def available() -> bool:
    return (REALNEWS / "manifest.tsv").is_file()


def load(folder: Path = REALNEWS) -> list[RealDocument]:
    with (folder / "manifest.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [_document(folder, row) for row in rows]


def _document(folder: Path, row: dict[str, str]) -> RealDocument:
    day, items = row["published_date"], row["items"]
    return RealDocument(
        file=row["file"], outlet=row["outlet"], url=row["url"], kind=row["kind"],
        label=row["story_label"], published=None if day == "?" else date.fromisoformat(day),
        copy_of=None if row["copy_of"] == "-" else row["copy_of"],
        items=() if items == "-" else tuple(tuple(i.split("@", 1)) for i in items.split(";")),
        notes=row["notes"], text=(folder / row["file"]).read_text(encoding="utf-8"),
    )  # fmt: skip


def overlaps(folder: Path = REALNEWS) -> dict[tuple[str, str], float]:
    """(copy, original) -> 5-gram overlap, from the README's table of copy_of pairs."""
    found = {}
    pattern = re.compile(r"^\| (\d{3}\.txt) \| (\d{3}\.txt) \| `[^`]+` \| ([01]\.\d\d) \|")
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        if match := pattern.match(line):
            found[(match[1], match[2])] = float(match[3])
    return found


def raw_item(doc: RealDocument, day: date) -> RawItem:
    published = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return RawItem(
        source=SOURCE, identity=doc.file, body=doc.text.encode("utf-8"),
        content_type="text/plain", fetched_at=published + timedelta(hours=6),
        publisher=doc.outlet, url=doc.url, published_at=published, date_how="feed",
    )  # fmt: skip


def store(database_url: str, docs: Sequence[RealDocument]) -> list[StoredDocument]:
    """Every document normalised, stored and linked to its near-duplicates, as ingest does."""
    dates = grouping_dates(docs)
    docs = [d for d in docs if d.file in dates]
    items = [raw_item(d, dates[d.file]) for d in docs]
    now = max(i.fetched_at for i in items)
    return store_items(database_url, SOURCE, items, ZONE, now)


def weekly_stories(
    stored: Sequence[StoredDocument], build: Callable[[Sequence[StoredDocument]], list[Story]]
) -> dict[str, list[Story]]:
    weeks: dict[str, list[StoredDocument]] = defaultdict(list)
    for doc in stored:
        weeks[week_of(doc.published_at, ZONE)].append(doc)
    return {week: build(weeks[week]) for week in sorted(weeks)}


def followed(by_week: dict[str, list[Story]]) -> dict[str, str]:
    """Story key -> the key of the first story of its thread, weeks taken in order, each
    week's stories offered every earlier week's stories."""
    root: dict[str, str] = {}
    past: list[PastStory] = []
    for week, stories in by_week.items():
        links = continuations(stories, past)
        for story in stories:
            root[story.key] = root[links[story.key].key] if story.key in links else story.key
        past.extend(past_story(story, week) for story in stories)
    return root


def past_story(story: Story, week: str) -> PastStory:
    return PastStory(
        key=story.key, week=week, headline=story.headline,
        texts=tuple(f"{d.title}\n\n{d.text}" for d in story.documents),
        published_at=story.published_at,
    )  # fmt: skip


def measure(
    database_url: str,
    build: Callable[[Sequence[StoredDocument]], list[Story]] = build_stories,
    undated_distractors: bool = True,
) -> Figures:
    """The figures of the whole set; without `undated_distractors`, those five left out."""
    docs = load()
    dates = grouping_dates(docs)
    kept = undated_distractors
    docs = [d for d in docs if d.file in dates and (kept or d.published or not close_event(d))]
    stored = store(database_url, docs)
    by_week = weekly_stories(stored, build)
    return figures(docs, stored, by_week, followed(by_week))


def unit_stories(
    docs: Sequence[RealDocument], by_week: dict[str, list[Story]]
) -> dict[str, tuple[str, str]]:
    """Unit id -> (week, story key): an article by its identity among a story's sightings,
    a newsletter item by the story whose member text holds the item's first words."""
    holders: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for week, stories in by_week.items():
        for story in stories:
            for member in story.documents:
                text = key(f"{member.title} {member.text}")
                for sighting in member.sightings:
                    holders[sighting.identity].append((week, story.key, text))
    found: dict[str, tuple[str, str]] = {}
    for doc in docs:
        if doc.kind == "article":
            found[doc.file] = holders[doc.file][0][:2]
            continue
        for n, (_, starts) in enumerate(doc.items):
            start = key(starts)
            hits = [h[:2] for h in holders[doc.file] if start in h[2]]
            found[f"{doc.file}#{n}"] = hits[0] if hits else ("", f"missing:{doc.file}#{n}")
    return found


def figures(
    docs: Sequence[RealDocument],
    stored: Sequence[StoredDocument],
    by_week: dict[str, list[Story]],
    root: dict[str, str],
) -> Figures:
    truth = {unit: label for doc in docs for unit, label in doc.units()}
    placed = unit_stories(docs, by_week)
    within_guess = {u: f"{w}|{k}" for u, (w, k) in placed.items()}
    within_truth = {u: f"{placed[u][0]}|{label}" for u, label in truth.items()}
    thread = {u: root.get(k, k) for u, (_, k) in placed.items()}
    pairs = pairwise_scores(_groups(within_guess).values(), _groups(within_truth).values())
    articles = {u for u in truth if "#" not in u}
    reworded = [pair for pair, overlap in overlaps().items() if overlap < CLOSE_COPY]
    together = [thread[a] == thread[b] for a, b in reworded]
    return Figures(
        documents=len(docs), units=len(truth), weeks=len(by_week),
        within=bcubed(within_guess, within_truth), across=bcubed(thread, truth), pairwise=pairs,
        close_copies=_close_copies(docs, stored),
        reworded_together=sum(together) / len(together) if together else 1.0,
        items_in_event=_items_in_event(docs, truth, thread),
        articles_within=bcubed(*(_only(m, articles) for m in (within_guess, within_truth))),
        articles_across=bcubed(*(_only(m, articles) for m in (thread, truth))),
        distractors_apart=_apart([d.file for d in docs if close_event(d)], within_guess, truth),
        misses=_misses(within_guess, within_truth)
        + [f"apart: {a} {b}" for (a, b), t in zip(reworded, together, strict=True) if not t],
    )  # fmt: skip


def _apart(distractors: list[str], guess: dict[str, str], truth: dict[str, str]) -> float:
    story = _groups(guess)
    alone = [all(truth[u] == truth[d] for u in story[guess[d]]) for d in distractors]
    return sum(alone) / len(alone) if alone else 1.0


def _only(labels: dict[str, str], units: set[str]) -> dict[str, str]:
    return {u: label for u, label in labels.items() if u in units}


def _groups(labels: dict[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for unit, label in labels.items():
        groups[label].append(unit)
    return groups


def _close_copies(docs: Sequence[RealDocument], stored: Sequence[StoredDocument]) -> Scores:
    """Pairs folded as near-duplicates against the set's copies: precision over every copy
    (a reworded copy folded is no error), recall over the close ones."""
    folded = _pair_set([s.identity for s in d.sightings] for d in collapse(stored))
    parent = {d.file: d.copy_of or d.file for d in docs}

    def top(file: str) -> str:
        while parent[file] != file:
            file = parent[file]
        return file

    copies = _pair_set(_groups({d.file: top(d.file) for d in docs}).values())
    close = {frozenset(p) for p, overlap in overlaps().items() if overlap >= CLOSE_COPY}
    return Scores(
        precision=len(folded & copies) / len(folded) if folded else 1.0,
        recall=len(folded & close) / len(close) if close else 1.0,
    )


def _pair_set(groups: object) -> set[frozenset[str]]:
    return {
        frozenset((a, b))
        for group in groups  # type: ignore[attr-defined]
        for n, a in enumerate(sorted(group))
        for b in sorted(group)[n + 1 :]
    }


def _items_in_event(
    docs: Sequence[RealDocument], truth: dict[str, str], thread: dict[str, str]
) -> float:
    """Share of items of a set event whose story (followed across weeks) is the one that
    holds most of that event's articles."""
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for doc in docs:
        if doc.kind == "article":
            votes[doc.label][thread[doc.file]] += 1
    items = [u for u, label in truth.items() if "#" in u and not label.startswith("other:")]
    right = [u for u in items if thread[u] == max(votes[truth[u]].items(), key=lambda v: v[1])[0]]
    return len(right) / len(items) if items else 1.0


def _misses(guess: dict[str, str], truth: dict[str, str]) -> list[str]:
    """Stories that mix labels, and labels split over stories, within a week."""
    out = []
    for name, a, b in (("mixes", guess, truth), ("split", truth, guess)):
        for label, units in _groups(a).items():
            others = sorted({b[u] for u in units})
            if len(others) > 1:
                out.append(f"{name} {label}: " + "; ".join(
                    f"{o.split('|')[-1][:24]}={sorted(u for u in units if b[u] == o)}"
                    for o in others))  # fmt: skip
    return out
