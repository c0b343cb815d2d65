"""Newsletter cutting measured on the real-news set (../shared/realnews, third-party pages read
in place, never copied): through the production path (raw item -> normalise_items ->
Document.sections -> story_units), which labelled items start a unit of their own, and which
articles were wrongly cut into items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.normalise.documents import normalise_items
from flows.records import Document, Sighting, StoredDocument
from flows.stories.build import story_units
from flows.text import key
from tests.support.realnews import REALNEWS, ZONE, RealDocument, load, raw_item

# Every page taken as of one day: the date plays no part in where a text is cut.
DAY = date(2026, 12, 1)


@dataclass(frozen=True)
class Newsletter:
    file: str
    labelled: int  # items the set lists
    found: int  # of them, the ones that start a story unit of their own
    extra: int  # units that start where the set lists no item
    missed: tuple[str, ...]  # first words of the items not found
    starts: tuple[str, ...]  # first words of every unit, for people


@dataclass(frozen=True)
class ItemFigures:
    newsletters: tuple[Newsletter, ...]
    articles: int
    articles_cut: tuple[str, ...] = field(default=())  # files of articles cut into items

    @property
    def items_found(self) -> int:
        return sum(n.found for n in self.newsletters)

    @property
    def items_labelled(self) -> int:
        return sum(n.labelled for n in self.newsletters)

    @property
    def fully_cut(self) -> int:
        """Newsletters whose every labelled item starts a unit of its own."""
        return sum(1 for n in self.newsletters if n.found == n.labelled)


def stored(number: int, doc: Document) -> StoredDocument:
    """A normalised document as the store would give it back."""
    sighting = Sighting(doc.source, doc.identity, doc.publisher, doc.url, doc.title)
    return StoredDocument(
        id=number,
        title=doc.title,
        text=doc.text,
        publisher=doc.publisher,
        url=doc.url,
        published_at=doc.published_at,
        date_how=doc.date_how,
        sightings=(sighting,),
        sections=doc.sections,
    )


def unit_starts(doc: Document, number: int = 1) -> list[tuple[str, ...]]:
    """How each story unit of the document starts, as comparison keys: its title (a heading
    taken off the text, or the page's title over its first item) before its text, and its
    text alone."""
    starts = []
    for unit in story_units([stored(number, doc)]):
        text = key(unit.text)
        starts.append((f"{key(unit.title)} {text}", text))
    return starts


def measure(folder: Path = REALNEWS) -> ItemFigures:
    """Per newsletter, its labelled items found as units; the articles cut into items."""
    pages = load(folder)
    documents, failures = normalise_items([raw_item(p, DAY) for p in pages], {}, ZONE)
    assert not failures, failures
    by_file = {d.identity: d for d in documents}
    newsletters = []
    cut = []
    for number, page in enumerate(pages, start=1):
        doc = by_file[page.file]
        if page.kind == "article":
            if doc.sections or len(unit_starts(doc, number)) > 1:
                cut.append(page.file)
            continue
        newsletters.append(_score(page, unit_starts(doc, number)))
    articles = sum(1 for p in pages if p.kind == "article")
    return ItemFigures(tuple(newsletters), articles, tuple(cut))


def _score(page: RealDocument, starts: list[tuple[str, ...]]) -> Newsletter:
    """An item is found when a unit starts with its first words (or a unit titled by a
    heading continues with them); a unit that starts no labelled item is an extra cut."""
    firsts = [words for _, words in page.items]
    wanted = [key(item) for item in firsts]
    matched: list[str | None] = []
    for candidates in starts:
        free = [w for w in wanted if w not in matched]
        matched.append(next((w for c in candidates for w in free if c.startswith(w)), None))
    missed = tuple(item for item, w in zip(firsts, wanted, strict=True) if w not in matched)
    extra = sum(1 for m in matched if m is None)
    return Newsletter(
        file=page.file,
        labelled=len(wanted),
        found=len(wanted) - len(missed),
        extra=extra,
        missed=missed,
        starts=tuple(" ".join(s[-1].split()[:8]) for s in starts),
    )


def report(figures: ItemFigures) -> str:
    """The figures as lines for people."""
    lines = [
        f"newsletter items found: {figures.items_found}/{figures.items_labelled}, "
        f"newsletters fully cut: {figures.fully_cut}/{len(figures.newsletters)}, "
        f"articles cut: {len(figures.articles_cut)}/{figures.articles}"
    ]
    for n in figures.newsletters:
        lines.append(f"  {n.file}: {n.found}/{n.labelled} found, {n.extra} extra cuts")
        lines.extend(f"    missed: {m}" for m in n.missed)
        lines.extend(f"    unit: {s}" for s in n.starts)
    if figures.articles_cut:
        lines.append(f"  articles cut: {', '.join(figures.articles_cut)}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
