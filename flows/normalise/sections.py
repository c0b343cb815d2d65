"""Newsletter sections: a newsletter covering several subjects is cut into its items, where
a paragraph shares too little with the item before it, so that each item joins its own story."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from flows.entities import NOT_NAMES
from flows.normalise import headlines
from flows.normalise.boilerplate import GREETING
from flows.text import has_words, split_sentences, words

# Openings that announce a change of subject in a digest.
TURN = re.compile(
    r"^(?:meanwhile|elsewhere|separately|in other news|also this week|on another front"
    r"|turning to|in (?:other|related) (?:news|developments))\b",
    re.IGNORECASE,
)
# A paragraph that moves on from what came before ("Following the call, the U.S. accused
# ..."): a new item when it shares less than this with the item so far.
SEQUEL = re.compile(
    r"^(?:following|after|later|hours later|days later|a day later|on the same day"
    r"|the same day|in the wake of)\b[^,]{0,60},",
    re.IGNORECASE,
)
# "Welcome back to The Circuit, the Tuesday briefing ...": the letter greets, tells nothing.
SALUTATION = re.compile(
    r"^(?:welcome(?: back)? to|good (?:morning|afternoon|evening)|hello|hi|hey|dear|greetings)\b",
    re.IGNORECASE,
)
# "I'm Ana, your editor.", "Here are the moments that mattered": the letter presents itself.
PRESENTS = re.compile(r"^\W*(?:I['’]m [A-Z]\w+,|(?i:here (?:are|is))\b)")
SUMMARY_CLAUSES = 3
WE = re.compile(r"\b(?:we|us|our)\b", re.IGNORECASE)
YOU = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
WIRE_DATELINE = re.compile(
    r"^[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][\w.]+)?\s*\((?:AP|AFP|Reuters|[A-Z]{2,5})\)\s*[—–-]"
)
COHESION = 0.12  # cosine of content words below which a paragraph starts a new item
SEQUEL_COHESION = 0.3
STORY_MIN_WORDS = 12  # less is a fragment, not a story
PROMO_MAX_SENTENCES = 3
GREETING_LINES = 8
STEM = 4
MIN_ITEM_WORDS = 25  # a shorter run (a caption, a quote) stays with the item before it
HEADING_MAX_WORDS = 16
_STOP_TEXT = """is are was were be been has have had will would could should can not no said
says that this with from they their them its it's which what who than then also"""
_STOP = NOT_NAMES | frozenset(_STOP_TEXT.split())


# What an email says of itself ("Unsubscribe", "this weekly newsletter offers you..."); the
# bare word "newsletter" is not one: any article page offers to "sign up for our newsletter".
MARKER = re.compile(
    r"\b(?:unsubscribe|view (?:this email )?in (?:your )?browser|forwarded this"
    r"|this (?:\w+ )?(?:newsletter|email|digest)|this (?:week|month)'s (?:issue|edition|digest))\b",
    re.IGNORECASE,
)


def is_newsletter(raw_lines: Sequence[str], removed: Sequence[str]) -> bool:
    """A greeting near the top ("Dear reader,", "Good morning."), a removed line in which
    the email speaks of itself ("this weekly newsletter offers you...", "Unsubscribe"), or
    wire stories one after another (two "CITY (AP) —" openings: news in brief)."""
    greeting = any(
        GREETING.match(split_sentences(line.strip())[0])
        for line in raw_lines[:GREETING_LINES]
        if line.strip()
    )
    wires = sum(1 for line in raw_lines if WIRE_DATELINE.match(line))
    return greeting or wires >= 2 or any(MARKER.search(line) for line in removed)


def item_starts(paragraphs: Sequence[str]) -> tuple[int, ...]:
    """Paragraph numbers where each item begins (always 0 first); () for a single item.
    A newsletter that titles its items cuts at their headings only; one that does not, where
    a paragraph turns to another subject."""
    headed = _headed(paragraphs)
    if len(headed) >= 2:
        return tuple(dict.fromkeys([0, *headed]))
    starts = [0]
    current: Counter[str] = Counter()
    for index, paragraph in enumerate(paragraphs):
        bag = _bag(paragraph)
        heading = is_heading(paragraph)
        new = index > 0 and (
            bool(TURN.match(paragraph))
            or (
                bool(SEQUEL.match(paragraph))
                and _cosine(bag, current) < SEQUEL_COHESION
                and _words_since(paragraphs, starts[-1], index) >= MIN_ITEM_WORDS
                and len(words(paragraph)) >= MIN_ITEM_WORDS
            )
            or (heading and _words_since(paragraphs, starts[-1], index) >= MIN_ITEM_WORDS)
            or (
                not heading
                and not is_heading(paragraphs[index - 1])
                and _cosine(bag, current) < COHESION
                and _words_since(paragraphs, starts[-1], index) >= MIN_ITEM_WORDS
                and len(words(paragraph)) >= MIN_ITEM_WORDS
            )
        )
        if new:
            starts.append(index)
            current = Counter()
        current.update(bag)
    return tuple(starts) if len(starts) > 1 else ()


def _headed(paragraphs: Sequence[str]) -> list[int]:
    """The headings that title an item: each followed by an item's worth of text before the
    next heading (a section label followed by a heading titles nothing)."""
    headings = [i for i, p in enumerate(paragraphs) if is_heading(p)]
    ends = [*headings[1:], len(paragraphs)][: len(headings)]
    return [h for h, end in zip(headings, ends, strict=True)
            if _words_since(paragraphs, h + 1, end) >= MIN_ITEM_WORDS]  # fmt: skip


def split(text: str, starts: Sequence[int]) -> list[str]:
    """The text of each item (paragraphs joined as in the document)."""
    paragraphs = text.split("\n\n")
    if not starts:
        return [text]
    bounds = [*starts, len(paragraphs)]
    return ["\n\n".join(paragraphs[a:b]) for a, b in pairwise(bounds)]


def items(text: str, starts: Sequence[int]) -> list[str]:
    """The newsletter's items that can be stories, in the editor's order: what opens an item
    without telling news (a pull-quote, a chart's or photo's caption, a promotion, a heading
    that names something else) is dropped, and so is an item left with no news."""
    pieces = split(text, starts)
    led = sum(map(headlines.is_question, text.split("\n\n")))
    if len(_headed(text.split("\n\n"))) >= 2 or led >= 2:
        while len(pieces) > 1 and (
            _is_introduction(pieces[0]) or len(words(pieces[0])) < MIN_ITEM_WORDS
        ):
            pieces = pieces[1:]  # "Good morning. Today we cover ...": the letter, not an item
    kept = []
    for piece in pieces:
        paragraphs = piece.split("\n\n")
        while paragraphs and not_news(paragraphs[0], paragraphs[1:]):
            paragraphs = paragraphs[1:]
        body = "\n\n".join(paragraphs)
        if paragraphs and not is_fragment(body):
            kept.append(body)
    return kept


def _is_introduction(piece: str) -> bool:
    """What comes before a newsletter's first heading, when it greets, speaks of itself or
    speaks to its reader ("we hope you are somewhere warm"), presents what follows ("I'm Ana,
    your editor. Here are ...") or sums up the items in one list ("A; B; C; D")."""
    return any(
        GREETING.match(sentence)
        or MARKER.search(sentence)
        or PRESENTS.match(sentence)
        or sentence.count("; ") >= SUMMARY_CLAUSES - 1
        or headlines.is_promo(sentence)
        or (WE.search(sentence) and YOU.search(sentence))
        for paragraph in piece.split("\n\n")
        for sentence in split_sentences(paragraph)
    )


def not_news(paragraph: str, rest: Sequence[str]) -> bool:
    """A paragraph that opens an item but tells no news of it."""
    if is_heading(paragraph):
        # A heading names its item: one that shares no word with it titles a chart or a video.
        return not rest or not (stems(paragraph) & stems(" ".join(rest[:2])))
    sentences = split_sentences(paragraph)
    return (
        (len(sentences) <= PROMO_MAX_SENTENCES and bool(SALUTATION.match(paragraph)))
        or headlines.is_quotation(paragraph)
        or headlines.is_caption(paragraph)
        or headlines.is_chrome(paragraph)
        or (len(sentences) <= PROMO_MAX_SENTENCES and any(map(headlines.is_promo, sentences)))
    )


def is_fragment(text: str) -> bool:
    """Too short to tell a story, or the tail of a sentence ("and more in the Gulf.")."""
    text = text.lstrip("• ")
    return len(words(text)) < STORY_MIN_WORDS or not (text[:1].isupper() or text[:1].isdigit()
                                                      or text[:1] in "\"“‘'«")  # fmt: skip


def _words_since(paragraphs: Sequence[str], start: int, end: int) -> int:
    return sum(len(words(p)) for p in paragraphs[start:end])


def is_heading(paragraph: str) -> bool:
    """A short line that does not end as a sentence does: a heading or a label."""
    return not paragraph.rstrip().endswith((".", "!", "?", '"', "”", ":")) and not has_words(
        paragraph, HEADING_MAX_WORDS + 1
    )


def _bag(paragraph: str) -> Counter[str]:
    return Counter(
        w.lower().removesuffix("'s").removesuffix("’s")
        for w in words(paragraph)
        if len(w) > 2 and w.lower() not in _STOP and not w.isdigit()
    )


def stems(text: str) -> set[str]:
    """Crude stems ("rates", "rate": "rate") for telling whether a heading names its text."""
    return {w[:STEM] for w in _bag(text)}


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
