"""A week's documents grouped into stories, each with a headline and a short extract, ranked."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence

from flows.model import StoredDocument, Story
from flows.text import key, split_sentences, words

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our out over own same she should
so some such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
said says say new one two three week weeks year years last next first day days time however
meanwhile including amid according
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Cosine above which two documents join; set on the seeds alone (issue 4 measures it).
SAME_STORY = 0.04
EXTRACT_SENTENCES = 3
EXTRACT_MAX_WORDS = 75


def build_stories(documents: Sequence[StoredDocument]) -> list[Story]:
    """Group documents that share enough distinctive terms; most sources first, then newest."""
    groups = group_documents(documents)
    stories = [make_story(group) for group in groups]
    return rank(stories)


def group_documents(documents: Sequence[StoredDocument]) -> list[list[StoredDocument]]:
    """Single-link grouping on TF-IDF cosine: terms every document shares weigh little."""
    vectors = _tfidf([f"{d.title}\n{d.text}" for d in documents])
    parent = list(range(len(documents)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(documents)):
        for j in range(i + 1, len(documents)):
            if _cosine(vectors[i], vectors[j]) >= SAME_STORY:
                parent[find(j)] = find(i)
    groups: dict[int, list[StoredDocument]] = {}
    for i, doc in enumerate(documents):
        groups.setdefault(find(i), []).append(doc)
    return list(groups.values())


def make_story(members: Sequence[StoredDocument]) -> Story:
    """The newest member tells the latest state of the story: its title leads."""
    ordered = sorted(members, key=lambda d: (d.published_at, d.id), reverse=True)
    lead = ordered[0]
    return Story(
        key=story_key(d.id for d in members),
        headline=lead.title,
        url=next((d.url for d in ordered if d.url), None),
        extract=extract(lead.text, lead.title),
        published_at=lead.published_at,
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


def _terms(text: str) -> Counter[str]:
    return Counter(
        t
        for t in (w.lower().strip("'’.-") for w in words(text))
        if len(t) > 2 and t not in STOPWORDS and not t.isdigit()
    )


def _tfidf(texts: Sequence[str]) -> list[dict[str, float]]:
    counts = [_terms(t) for t in texts]
    df: Counter[str] = Counter(term for c in counts for term in c)
    n = len(texts)
    vectors = []
    for c in counts:
        v = {t: (1 + math.log(tf)) * math.log((1 + n) / (1 + df[t])) for t, tf in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({t: x / norm for t, x in v.items() if x > 0})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())
