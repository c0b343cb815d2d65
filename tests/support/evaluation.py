"""The labelled evaluation set in tests/data/eval/ and the scores measured against it.

Loads the TOML files into frozen records (checking them), and scores groupings by pairs
and by B-cubed; see tests/data/eval/README.md for the format.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

EVAL_DATA = Path(__file__).resolve().parents[1] / "data" / "eval"
MAX_FETCH_DELAY = timedelta(days=3)


class EvalDataError(ValueError):
    """The labelled set contradicts itself; the message names the file and the id."""


@dataclass(frozen=True)
class Item:
    """One content item of a newsletter: its event and the words it starts with."""

    event: str
    starts: str


@dataclass(frozen=True)
class LabelledDocument:
    """A document as it arrives, with the truth about it."""

    id: str
    outlet: str
    title: str
    kind: Literal["article", "newsletter"]
    text: str
    fetched: datetime
    true_published: date
    published: datetime | None = None
    copy_of: str | None = None
    event: str | None = None
    items: tuple[Item, ...] = ()
    boilerplate: tuple[str, ...] = ()
    file: str = ""

    def unit_ids(self) -> list[str]:
        """The units a story holds: the article itself, or each item of a newsletter."""
        if self.kind == "article":
            return [self.id]
        return [f"{self.id}#{index}" for index in range(len(self.items))]


@dataclass(frozen=True)
class Scores:
    """Precision and recall of a grouping against the truth, with their harmonic mean."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_corpus(folder: Path | None = None) -> list[LabelledDocument]:
    """Every document of every *.toml in the folder, checked; raises EvalDataError."""
    folder = folder or EVAL_DATA
    documents: list[LabelledDocument] = []
    seen: dict[str, str] = {}
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise EvalDataError(f"{folder}: no *.toml files")
    for path in files:
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8")).get("documents", [])
        except tomllib.TOMLDecodeError as error:
            raise EvalDataError(f"{path.name}: not valid TOML: {error}") from error
        for table in tables:
            document = _document(path.name, table)
            if document.id in seen:
                raise EvalDataError(
                    f"{path.name}: id {document.id!r} is also used in {seen[document.id]}"
                )
            seen[document.id] = path.name
            documents.append(document)
    for document in documents:
        if document.copy_of is not None and document.copy_of not in seen:
            raise EvalDataError(
                f"{document.file}: {document.id}: copy_of {document.copy_of!r} is no known id"
            )
        if document.copy_of == document.id:
            raise EvalDataError(f"{document.file}: {document.id}: copy_of names itself")
    return documents


def _document(file: str, table: dict[str, Any]) -> LabelledDocument:
    where = f"{file}: {table.get('id', '<no id>')}"

    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        value = table.get(key)
        if not isinstance(value, kind):
            raise EvalDataError(f"{where}: {key!r} is missing or not a {kind}")
        return value

    text = need("text", str)
    kind = need("kind", str)
    if kind not in ("article", "newsletter"):
        raise EvalDataError(f"{where}: kind {kind!r} is neither article nor newsletter")
    published = table.get("published")
    fetched = need("fetched", datetime)
    true_published = need("true_published", date)
    for name, moment in (("published", published), ("fetched", fetched)):
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            raise EvalDataError(f"{where}: {name} must be an offset date-time")
    if isinstance(true_published, datetime):
        raise EvalDataError(f"{where}: true_published must be a local date, not a date-time")
    if published is not None and published.date() != true_published:
        raise EvalDataError(f"{where}: published {published} is not on {true_published}")
    if published is not None and fetched < published:
        raise EvalDataError(f"{where}: fetched {fetched} is before published {published}")
    delay = fetched.date() - true_published
    if not timedelta(0) <= delay <= MAX_FETCH_DELAY:
        raise EvalDataError(f"{where}: fetched {fetched} is not 0-3 days after publication")
    boilerplate = tuple(need("boilerplate", list)) if "boilerplate" in table else ()
    for line in boilerplate:
        if not isinstance(line, str) or not line.strip() or line not in text:
            raise EvalDataError(f"{where}: boilerplate {line!r} is not in the text")
    items = tuple(
        Item(event=i.get("event", ""), starts=i.get("starts", "")) for i in table.get("items", [])
    )
    if kind == "article" and (items or not isinstance(table.get("event"), str)):
        raise EvalDataError(f"{where}: an article needs an event and no items")
    if kind == "newsletter" and (not items or "event" in table):
        raise EvalDataError(f"{where}: a newsletter needs items, each with its own event")
    position = -1
    for item in items:
        if not item.event or not 6 <= len(item.starts.split()) <= 10:
            raise EvalDataError(f"{where}: item {item.starts!r} needs an event and 6-10 words")
        found = text.find(item.starts, position + 1)
        if found < 0:
            raise EvalDataError(
                f"{where}: item start {item.starts!r} is not in the text after the item before it"
            )
        position = found
    return LabelledDocument(
        id=need("id", str), outlet=need("outlet", str), title=need("title", str), kind=kind,
        text=text, fetched=fetched, true_published=true_published, published=published,
        copy_of=table.get("copy_of"), event=table.get("event"), items=items,
        boilerplate=boilerplate, file=file,
    )  # fmt: skip


# Sentences


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "capt",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "vs", "inc", "ltd", "co", "corp", "jr", "sr", "mt", "ft", "approx", "dept",
}  # fmt: skip
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’')]*\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text: every line on its own, split after . ! ? unless an abbreviation."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _BOUNDARY.finditer(line):
            before = line[start : match.start()].rstrip("\"”’')")
            last_word = before.rsplit(None, 1)[-1] if before.split() else ""
            stem = last_word.rstrip(".").lower()
            # "U.S." and "a.m." hold inner dots; "J." is an initial; "Oct." an abbreviation.
            if "." in stem or len(stem) == 1 or stem in _ABBREVIATIONS:
                continue
            end = match.start() + len(match.group(0).rstrip())
            sentences.append(line[start:end].strip())
            start = match.end()
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return [s for s in sentences if s]


def is_heading(line: str) -> bool:
    """A short line standing as its own paragraph with no closing punctuation."""
    line = line.strip()
    return bool(line) and len(line.split()) <= 14 and line[-1] not in ".!?:;,\"”’')"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def boilerplate_sentences(doc: LabelledDocument) -> list[str]:
    """Every sentence of the labelled boilerplate, in the order the labels list it."""
    return [s for line in doc.boilerplate for s in split_sentences(line)]


def content_sentences(doc: LabelledDocument) -> list[str]:
    """Every sentence of the text that is neither boilerplate nor a heading, in order."""
    text = doc.text
    # Longest first, so a label that holds a shorter one is cut out whole.
    for line in sorted(doc.boilerplate, key=len, reverse=True):
        text = text.replace(line, "\n")
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        if len(lines) == 1 and is_heading(lines[0]):
            continue
        sentences.extend(split_sentences(paragraph))
    return sentences


def item_texts(doc: LabelledDocument) -> list[str]:
    """The content of each newsletter item, from its start to the next item's start or the
    end, without boilerplate and headings; paragraphs joined by a blank line."""
    starts: list[int] = []
    for item in doc.items:
        starts.append(doc.text.find(item.starts, starts[-1] + 1 if starts else 0))
    texts = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(doc.text)
        piece = doc.text[start:end]
        for line in sorted(doc.boilerplate, key=len, reverse=True):
            piece = piece.replace(line, "\n")
        kept = [p for p in _paragraphs(piece) if not (len(p.splitlines()) == 1 and is_heading(p))]
        texts.append("\n\n".join(" ".join(p.split()) for p in kept))
    return texts


# Truth


def true_near_duplicate_groups(docs: Iterable[LabelledDocument]) -> list[frozenset[str]]:
    """Groups of document ids joined by copy_of (transitively); singletons included."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    docs = list(docs)
    for doc in docs:
        parent.setdefault(doc.id, doc.id)
    for doc in docs:
        if doc.copy_of is not None:
            parent.setdefault(doc.copy_of, doc.copy_of)
            parent[root(doc.id)] = root(doc.copy_of)
    groups: dict[str, set[str]] = defaultdict(set)
    for key in parent:
        groups[root(key)].add(key)
    return sorted((frozenset(g) for g in groups.values()), key=lambda g: sorted(g))


def true_story_labels(docs: Iterable[LabelledDocument]) -> dict[str, str]:
    """Unit id -> event: an article's id, or f"{doc_id}#{index}" for a newsletter item."""
    labels: dict[str, str] = {}
    for doc in docs:
        if doc.kind == "article":
            assert doc.event is not None
            labels[doc.id] = doc.event
        else:
            for unit, item in zip(doc.unit_ids(), doc.items, strict=True):
                labels[unit] = item.event
    return labels


# Scores


def _pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for group in groups for p in combinations(sorted(set(group)), 2)}


def pairwise_scores(predicted: Iterable[Iterable[str]], truth: Iterable[Iterable[str]]) -> Scores:
    """Precision and recall over unordered pairs of units put in one group.

    With no pair predicted precision is 1.0; with no true pair recall is 1.0.
    """
    guessed, real = _pairs(predicted), _pairs(truth)
    hits = len(guessed & real)
    return Scores(
        precision=hits / len(guessed) if guessed else 1.0,
        recall=hits / len(real) if real else 1.0,
    )


def bcubed(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Scores:
    """B-cubed precision and recall (Bagga and Baldwin): per unit, then averaged.

    Both mappings take unit id -> cluster id and must cover the same units.
    """
    if set(predicted) != set(truth):
        missing, extra = set(truth) - set(predicted), set(predicted) - set(truth)
        raise ValueError(f"units differ: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}")
    if not truth:
        return Scores(1.0, 1.0)
    by_guess: dict[str, set[str]] = defaultdict(set)
    by_truth: dict[str, set[str]] = defaultdict(set)
    for unit in truth:
        by_guess[predicted[unit]].add(unit)
        by_truth[truth[unit]].add(unit)
    precision = recall = 0.0
    for unit in truth:
        cluster, label = by_guess[predicted[unit]], by_truth[truth[unit]]
        shared = len(cluster & label)
        precision += shared / len(cluster)
        recall += shared / len(label)
    return Scores(precision / len(truth), recall / len(truth))
