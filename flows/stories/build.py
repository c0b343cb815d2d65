"""A week's documents grouped into stories, each with a headline and a short extract, ranked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from flows.dedupe.near import collapse
from flows.normalise import sections
from flows.records import StoredDocument, Story
from flows.stories.cluster import cluster
from flows.text import key, split_sentences, words

TITLE_WORDS = 14

EXTRACT_SENTENCES = 3
EXTRACT_MAX_WORDS = 75


def build_stories(documents: Sequence[StoredDocument]) -> list[Story]:
    """Near-duplicates folded, newsletters cut into items, units clustered into stories;
    most sources first, then newest."""
    units = story_units(collapse(documents))
    groups = group_documents(units)
    stories = [make_story(_join_sections(group)) for group in groups]
    return rank(stories)


def story_units(documents: Sequence[StoredDocument]) -> list[StoredDocument]:
    """What stories are made of: each document, or each item of a newsletter (the item's
    text under the document's id and sightings, titled by its lead sentence)."""
    units: list[StoredDocument] = []
    for doc in documents:
        if not doc.sections:
            units.append(doc)
            continue
        for piece in sections.split(doc.text, doc.sections):
            units.append(replace(doc, title=_lead_title(piece), text=piece, sections=()))
    return units


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
    """Two items of one newsletter in one story are one member, their texts joined."""
    joined: dict[int, StoredDocument] = {}
    for doc in members:
        if doc.id in joined:
            joined[doc.id] = replace(joined[doc.id], text=f"{joined[doc.id].text}\n\n{doc.text}")
        else:
            joined[doc.id] = doc
    return list(joined.values())


def _lead_title(text: str) -> str:
    """An item's heading in capitals ("OFFSHORE") says less than its lead sentence."""
    paragraphs = text.split("\n\n")
    if len(paragraphs) > 1 and paragraphs[0].isupper():
        paragraphs = paragraphs[1:]
    sentence = split_sentences(paragraphs[0])[0].rstrip(".!")
    tokens = sentence.split()
    return sentence if len(tokens) <= TITLE_WORDS else " ".join(tokens[:TITLE_WORDS]) + "…"


def best_title(members: Sequence[StoredDocument]) -> StoredDocument:
    """The member whose own title best names the story: its words recur most across the
    other members' texts; a title cut from a sentence ("…") comes last."""
    texts = [set(key(f"{d.title} {d.text}").split()) for d in members]

    def score(index: int) -> tuple[bool, float, float]:
        doc = members[index]
        title = {w for w in key(doc.title).split() if len(w) > 2}
        others = [t for j, t in enumerate(texts) if j != index] or [texts[index]]
        shared = sum(len(title & t) for t in others) / (len(others) * max(len(title), 1))
        return (not doc.title.endswith("…"), shared, doc.published_at.timestamp())

    return members[max(range(len(members)), key=score)]


def make_story(members: Sequence[StoredDocument]) -> Story:
    """The best-titled member leads; the others follow newest first."""
    lead = best_title(members)
    ordered = [lead, *sorted((d for d in members if d is not lead),
                             key=lambda d: (d.published_at, d.id), reverse=True)]  # fmt: skip
    return Story(
        key=story_key(_member_key(d) for d in members),
        headline=lead.title,
        url=next((d.url for d in ordered if d.url), None),
        extract=extract(lead.text, lead.title),
        published_at=max(d.published_at for d in members),
        documents=tuple(ordered),
    )


def rank(stories: Sequence[Story]) -> list[Story]:
    return sorted(
        stories,
        key=lambda s: (-independent_sources(s), -s.published_at.timestamp(), s.key),
    )


def independent_sources(story: Story) -> int:
    """Publishers count once each; a text of unknown publisher counts on its own."""
    return len(
        {d.publisher or f"{s.source}/{s.identity}" for d in story.documents for s in d.sightings}
    )


def story_key(document_ids: object) -> str:
    ids = ",".join(str(i) for i in sorted(document_ids))  # type: ignore[attr-defined]
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _member_key(doc: StoredDocument) -> str:
    """A document's id, and for a newsletter's item its first words too: two items of one
    newsletter in two stories must not give them the same key."""
    return f"{doc.id}:{' '.join(key(doc.text).split()[:8])}"


def extract(text: str, title: str = "") -> str:
    """Two or three whole sentences from the lead paragraphs, never cut mid-sentence."""
    chosen: list[str] = []
    count = 0
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("•") or len(words(paragraph)) < 12:
            continue  # headings and bullet lists do not make a lead
        for sentence in split_sentences(paragraph):
            if key(sentence) == key(title):
                continue
            n = len(words(sentence))
            if chosen and (count + n > EXTRACT_MAX_WORDS or len(chosen) >= EXTRACT_SENTENCES):
                return " ".join(chosen)
            chosen.append(sentence)
            count += n
    return " ".join(chosen) if chosen else text.split("\n\n")[0]
