"""Roundups: pages that tell several stories one after another without saying they are a
newsletter (a daily briefing, the front pages of the day, a world summary), known by the
shape of their text, and where each of their items begins."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from flows.entities import names
from flows.normalise import headlines
from flows.normalise.sections import MIN_ITEM_WORDS, is_heading, stems
from flows.text import split_sentences, words

MIN_NAMES = 2  # fewer names than this say too little of a section's subject to compare
BRIEF_MIN_WORDS = MIN_ITEM_WORDS
BRIEF_MAX_SHARED_STEMS = 1  # "south" of Gaza and "Southeast" Asia: a word, not a subject
BRIEF_MAX_WORDS = 90
BRIEF_MAX_SENTENCES = 3
BRIEF_MIN_NAMES = 2
MIN_BRIEFS = 3  # two unrelated paragraphs in a row happen in any article; three do not
QUOTES = "\"“”‘’'«»"


def roundup_starts(paragraphs: Sequence[str]) -> tuple[int, ...]:
    """Paragraph numbers where each item of a roundup begins (0 first); () for a text that
    is not one. A roundup is several headed sections of which most tell subjects of their
    own (no names in common), or a section of brief paragraphs each about different names."""
    found = sections(paragraphs)
    briefs = brief_runs(paragraphs)
    if not (briefs or has_own_subjects([" ".join(paragraphs[a:b]) for a, b in found])):
        return ()
    return tuple(sorted({0, *(a for a, _ in found), *briefs}))


def has_own_subjects(texts: Sequence[str]) -> bool:
    """Whether more than half of the neighbouring sections tell different subjects, leaving
    out a first section that previews the others (a summary naming two or more of them)."""
    if len(texts) > 2 and sum(_shares_names(texts[0], t) for t in texts[1:]) >= 2:
        texts = texts[1:]
    distinct = [_distinct(a, b) for a, b in pairwise(texts)]
    return 2 * sum(distinct) > len(distinct)


def is_lead(paragraph: str) -> bool:
    """A line that leads a section: a heading, or a question that its answer follows."""
    return is_heading(paragraph) or headlines.is_question(paragraph)


def sections(paragraphs: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each section that a lead titles: a run of lead lines followed by an
    item's worth of text before the next lead. The section starts at the line of the run
    that best names its text (a photo credit or a section label under a title names it less),
    the last one on a tie; a run of which no line names its text ("Art of the steal",
    "less than 3 min read") titles no item."""
    runs = _lead_runs(paragraphs)
    ends = [first for first, _ in runs[1:]] + [len(paragraphs)]
    found = []
    for (first, last), end in zip(runs, ends[: len(runs)], strict=True):
        if sum(len(words(p)) for p in paragraphs[last + 1 : end]) < MIN_ITEM_WORDS:
            continue
        named = stems(" ".join(paragraphs[last + 1 : end]))
        score, best = max((len(stems(paragraphs[i]) & named), i) for i in range(first, last + 1))
        if score:
            found.append((best, end))
    return found


def _lead_runs(paragraphs: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive lead lines."""
    runs: list[tuple[int, int]] = []
    for index, paragraph in enumerate(paragraphs):
        if not is_lead(paragraph):
            continue
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def brief_runs(paragraphs: Sequence[str]) -> list[int]:
    """The paragraphs of each run of at least MIN_BRIEFS briefs that name different things
    and fill a whole section, from a lead line ("World", "In brief") to the next or to the
    end: in an article such paragraphs sit among others that tell its story, or under no
    heading at all (a short report told from several places)."""
    found: list[int] = []
    for lead in range(len(paragraphs) - MIN_BRIEFS):
        if not is_lead(paragraphs[lead]):
            continue
        run: list[int] = []
        index = lead + 1
        while index < len(paragraphs) and (
            is_brief(paragraphs[index])
            and all(_unrelated(paragraphs[index], paragraphs[other]) for other in run)
        ):
            run.append(index)
            index += 1
        if len(run) >= MIN_BRIEFS and (index == len(paragraphs) or is_lead(paragraphs[index])):
            found.extend(run)
    return found


def is_brief(paragraph: str) -> bool:
    """A paragraph that could tell a story on its own: a few sentences, with names."""
    count = len(words(paragraph))
    return (
        BRIEF_MIN_WORDS <= count <= BRIEF_MAX_WORDS
        and not is_lead(paragraph)
        and paragraph[:1] not in QUOTES
        and len(split_sentences(paragraph)) <= BRIEF_MAX_SENTENCES
        and len(name_words(paragraph)) >= BRIEF_MIN_NAMES
    )


def _unrelated(a: str, b: str) -> bool:
    """Two briefs about different things: neither names what the other speaks of, and they
    share at most a word."""
    return (
        not (name_words(a) & _lower_words(b))
        and not (name_words(b) & _lower_words(a))
        and len(stems(a) & stems(b)) <= BRIEF_MAX_SHARED_STEMS
    )


def _lower_words(text: str) -> set[str]:
    return {w.lower().removesuffix("'s").removesuffix("’s") for w in words(text)}


def _distinct(a: str, b: str) -> bool:
    """Whether two sections are about different things: each names enough, and no name of
    one is named in the other ("Le Pen" is "Marine Le Pen"; "National Rally" is not
    "National Unity Government")."""
    first, second = name_phrases(a), name_phrases(b)
    if min(len(first), len(second)) < MIN_NAMES:
        return False
    return _shared(first, second) == 0


def _shares_names(a: str, b: str) -> bool:
    return _shared(name_phrases(a), name_phrases(b)) > 0


def _shared(first: set[frozenset[str]], second: set[frozenset[str]]) -> int:
    return sum(1 for name in first if any(name <= other or other <= name for other in second))


def name_phrases(text: str) -> set[frozenset[str]]:
    """Each name a text mentions, as the set of its words in lower case."""
    found = {frozenset(w.lower() for w in words(name) if len(w) > 2) for name in names(text)}
    return found - {frozenset()}


def name_words(text: str) -> set[str]:
    """The words of the names a text mentions, lower case ("Marine Le Pen": marine, pen)."""
    return {w.lower() for name in names(text) for w in words(name) if len(w) > 2}
