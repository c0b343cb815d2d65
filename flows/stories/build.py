"""A week's documents grouped into stories, each with a headline and a short extract, ranked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from flows.dedupe.near import collapse
from flows.normalise import headlines, sections
from flows.records import Sighting, StoredDocument, Story
from flows.stories.cluster import cluster
from flows.text import has_words, key, split_sentences, words

EXTRACT_SENTENCES = 3
EXTRACT_MAX_WORDS = 75
LEAD_WORDS = 12  # a paragraph shorter than this is a heading, a label or a caption


def build_stories(documents: Sequence[StoredDocument]) -> list[Story]:
    """Near-duplicates folded, newsletters cut into items, units clustered into stories;
    most sources first, then newest."""
    units = story_units(collapse(documents))
    groups = group_documents(units)
    stories = [make_story(_join_sections(group)) for group in groups]
    return rank(stories)


def story_units(documents: Sequence[StoredDocument]) -> list[StoredDocument]:
    """What stories are made of: each document, or each item of a newsletter that tells news
    (the item's text under the document's id and sightings, titled by its heading or its lead
    sentence's main clause, numbered in the editor's order)."""
    units: list[StoredDocument] = []
    for doc in documents:
        if not doc.sections:
            units.append(doc)
            continue
        pieces = sections.items(doc.text, doc.sections)
        for number, piece in enumerate(pieces):
            title, text = item_title(piece)
            if number == 0 and text == piece and _page_titles_first_item(doc, pieces):
                title = doc.title
            seen = tuple(replace(s, title=title) for s in doc.sightings)
            units.append(
                replace(doc, title=title, text=text, sections=(), item=number, sightings=seen)
            )
    return units


def _page_titles_first_item(doc: StoredDocument, pieces: Sequence[str]) -> bool:
    """A page's own title heads its first item when that item opens the text without a
    heading and the title names it best of all items (a briefing whose first line titled
    the lead story)."""
    if not (doc.text.startswith(pieces[0]) and _own_title(doc)):
        return False
    if not headlines.is_usable_title(doc.title):
        return False
    named = [len(sections.stems(doc.title) & sections.stems(p)) for p in pieces]
    return named[0] > 0 and named[0] == max(named)


def item_title(piece: str) -> tuple[str, str]:
    """An item's heading, when it has one, and its text without it; else a short phrase of its
    lead sentence, and its whole text. A heading in capitals ("OFFSHORE") labels a section and
    says less than the lead sentence."""
    head, _, rest = piece.partition("\n\n")
    if rest and sections.is_heading(head) and headlines.is_usable_title(head):
        return (head, rest) if not head.isupper() else (lead_headline(rest), piece)
    return lead_headline(piece), piece


def lead_headline(text: str) -> str:
    """The main clause of the first sentence that tells news: no heading or label, question,
    quotation, caption or promotion."""
    for paragraph in text.split("\n\n"):
        if (
            sections.is_heading(paragraph)
            or headlines.is_question(paragraph)
            or sections.not_news(paragraph, ())
        ):
            continue
        body = headlines.DATELINE.sub("", paragraph.lstrip("• "), count=1)
        for sentence in split_sentences(body):
            if not headlines.is_quotation(sentence) and headlines.has_letters(sentence):
                return headlines.lead_phrase(sentence)
    return headlines.lead_phrase(text)


def headline_of(doc: StoredDocument) -> str:
    """The document's own title when a reader can trust it, else one from its lead."""
    return doc.title if headlines.is_usable_title(doc.title) else lead_headline(doc.text)


def group_documents(documents: Sequence[StoredDocument]) -> list[list[StoredDocument]]:
    """Average-link clustering of terms, names and time (flows.stories.cluster)."""
    if not documents:
        return []
    labels = cluster(
        [f"{d.title}\n\n{d.text}" for d in documents],
        [d.published_at.timestamp() / 86400.0 for d in documents],
    )
    groups: dict[int, list[StoredDocument]] = {}
    for label, doc in zip(labels.tolist(), documents, strict=True):
        groups.setdefault(label, []).append(doc)
    return list(groups.values())


def _join_sections(members: Sequence[StoredDocument]) -> list[StoredDocument]:
    """Two items of one newsletter in one story are one member, their texts joined, each
    later item under its own heading."""
    joined: dict[int, StoredDocument] = {}
    for doc in members:
        if doc.id in joined:
            text = f"{doc.title}\n\n{doc.text}" if _own_title(doc) else doc.text
            joined[doc.id] = replace(joined[doc.id], text=f"{joined[doc.id].text}\n\n{text}")
        else:
            joined[doc.id] = doc
    return list(joined.values())


def best_title(members: Sequence[StoredDocument]) -> StoredDocument:
    """The member whose title best names the story: a title a reader can trust first, then
    a document's own title before one drawn from its lead, then the title whose words recur
    most across the other members' texts."""
    if len(members) == 1:
        return members[0]
    texts = [set(key(f"{d.title} {d.text}").split()) for d in members]

    def score(index: int) -> tuple[bool, bool, float, float]:
        doc = members[index]
        title = {w for w in key(doc.title).split() if len(w) > 2}
        others = [t for j, t in enumerate(texts) if j != index] or [texts[index]]
        shared = sum(len(title & t) for t in others) / (len(others) * max(len(title), 1))
        usable = headlines.is_usable_title(doc.title)
        return (usable, usable and _own_title(doc), shared, doc.published_at.timestamp())

    return members[max(range(len(members)), key=score)]


def _own_title(doc: StoredDocument) -> bool:
    """A title of its own, not one drawn from the text's lead."""
    return key(doc.title) not in key(" ".join(doc.text.split("\n\n", 3)[:3]))


def make_story(members: Sequence[StoredDocument]) -> Story:
    """The best-titled member leads; the others follow newest first."""
    lead = best_title(members)
    ordered = [lead, *sorted((d for d in members if d is not lead),
                             key=lambda d: (d.published_at, d.id), reverse=True)]  # fmt: skip
    headline = headline_of(lead)
    return Story(
        key=story_key(_member_key(d) for d in members),
        headline=headline,
        url=next((d.url for d in ordered if d.url), None),
        extract=extract(lead.text, headline),
        published_at=max(d.published_at for d in members),
        documents=tuple(ordered),
    )


def rank(stories: Sequence[Story]) -> list[Story]:
    """Most independent sources first, then newest; on a tie the editor's order of a
    newsletter's items holds, so its lead item leads."""
    return sorted(
        stories,
        key=lambda s: (
            -independent_sources(s),
            -s.published_at.timestamp(),
            min(d.item for d in s.documents),
            s.key,
        ),
    )


def independent_sources(story: Story) -> int:
    """Publishers count once each, a folded near-duplicate's too; a text of unknown
    publisher counts on its own."""
    return len({_carrier(d, s) for d in story.documents for s in d.sightings})


def _carrier(doc: StoredDocument, sighting: Sighting) -> str:
    return sighting.publisher or doc.publisher or f"{sighting.source}/{sighting.identity}"


def story_key(document_ids: object) -> str:
    ids = ",".join(str(i) for i in sorted(document_ids))  # type: ignore[attr-defined]
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _member_key(doc: StoredDocument) -> str:
    """A document's id, and for a newsletter's item its first words too: two items of one
    newsletter in two stories must not give them the same key."""
    return f"{doc.id}:{' '.join(_first_words(doc.text, 8))}"


def _first_words(text: str, count: int) -> list[str]:
    """`key(text).split()[:count]`, from the text's start alone when it holds them all (a
    word cut at the end of the start is not among them)."""
    for size in (400, 4000):
        found = key(text[:size]).split()
        if len(found) > count:
            return found[:count]
    return key(text).split()[:count]


def extract(text: str, title: str = "") -> str:
    """Two or three whole sentences from the lead paragraphs, never cut mid-sentence, never
    the sentence the headline repeats, a quotation standing alone or a promotion. Headings
    and bullet lists make no lead; a text that has nothing else gives its bullets, then its
    short lines."""
    paragraphs = text.split("\n\n")
    # Drawn as needed: the lead's first paragraphs give the extract of almost every text.
    lead = (p for p in paragraphs if not p.startswith("•") and has_words(p, LEAD_WORDS))
    bullets = (p.removeprefix("• ") for p in paragraphs if p.startswith("•"))
    short = (p for p in paragraphs if not p.startswith("•") and not has_words(p, LEAD_WORDS))
    headline = key(title)
    for candidates in (lead, bullets, short):
        chosen: list[str] = []
        count = 0
        for paragraph in candidates:
            if headlines.is_quotation(paragraph) or headlines.is_caption(paragraph):
                continue
            for sentence in split_sentences(paragraph):
                if _repeats(sentence, headline) or headlines.is_promo(sentence):
                    continue
                n = len(words(sentence))
                if chosen and (count + n > EXTRACT_MAX_WORDS or len(chosen) >= EXTRACT_SENTENCES):
                    return " ".join(chosen)
                chosen.append(sentence)
                count += n
        if chosen:
            return " ".join(chosen)
    return ""


def _repeats(sentence: str, headline: str) -> bool:
    """The sentence the headline was drawn from, or a part of a headline of two sentences."""
    said = key(sentence)
    return bool(headline) and (headline in said or (len(said.split()) >= 4 and said in headline))
