"""Newsletter boilerplate: lines and sentences that recur across one publisher's texts,
plus a short list of generic web clutter, removed while the content around them stays."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flows.text import key, split_sentences, words

# Generic clutter, true of any web page or newsletter (not of one publisher).
CLUTTER = re.compile(
    r"^(?:source link|post comment|advertisement|share this( article| story)?"
    r"|also read\b|read more\b|learn more\b|watch video\b|play video\b|click here\b"
    r"|subscribe (now|here|today)\b|sign up\b|follow us\b|view (this email )?in (your )?browser"
    r"|unsubscribe\b|forward (this|to a friend)\b|related( articles| stories)?:?$)",
    re.IGNORECASE,
)
GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b[^.!?]{0,40}[,!:.]?$",
    re.IGNORECASE,
)
SIGN_OFF = re.compile(
    r"^(?:best( regards| wishes)?|regards|cheers|thanks|thank you|sincerely|warmly|yours)[,!.]?$",
    re.IGNORECASE,
)
# "Watch VideoIn our section..." : a clutter phrase glued to the next sentence.
GLUED = re.compile(r"^((?:watch|play) video|source link|read more|learn more)(?=[A-Z])", re.I)

OPENING_WORDS = 6
SANDWICH_MAX_WORDS = 40
PHRASE_WORDS = 4
# A recurring phrase in which the publisher speaks of itself ("explore our latest ...
# collection") marks a promotion whatever topic its sentence names this time.
SELF = frozenset({"our", "us", "we"})
_SELF_SPACED = tuple(f" {word} " for word in sorted(SELF))
INTRO_MAX_WORDS = 30
# "Tell us about it at stories@example.org": news quotes no mailbox, calls to readers do.
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Boilerplate:
    """What recurs across one publisher's texts, as comparison keys."""

    lines: frozenset[str] = frozenset()
    sentences: frozenset[str] = frozenset()
    openings: frozenset[str] = frozenset()
    phrases: frozenset[str] = frozenset()


def learn(texts: Iterable[str]) -> Boilerplate:
    """Learn from distinct texts of one publisher (one paragraph per line).

    Something is boilerplate when it recurs in at least two texts and in at least 40%
    of them: a sign-off is in every issue, a sentence of news rarely in two.
    """
    distinct = list(dict.fromkeys(t for t in texts if t.strip()))
    if len(distinct) < 2:
        return Boilerplate()
    line_df: Counter[str] = Counter()
    sentence_df: Counter[str] = Counter()
    opening_df: Counter[str] = Counter()
    phrase_df: Counter[str] = Counter()
    for text in distinct:
        lines = _unglue([line for line in text.splitlines() if line.strip()])
        sentences = [s for line in lines for s in split_sentences(line)]
        line_df.update({key(line) for line in lines})
        sentence_df.update({key(s) for s in sentences})
        opening_df.update({o for s in sentences if (o := _opening(s))})
        phrase_df.update({p for s in sentences for p in _phrases(s)})
    floor = max(2, math.ceil(0.4 * len(distinct)))

    def recurring(df: Counter[str]) -> frozenset[str]:
        return frozenset(k for k, n in df.items() if n >= floor and k)

    return Boilerplate(
        recurring(line_df), recurring(sentence_df), recurring(opening_df), recurring(phrase_df)
    )


def strip(lines: Sequence[str], model: Boilerplate) -> list[str]:
    """The lines without boilerplate; a paragraph loses only its boilerplate sentences."""
    kept: list[str | None] = []  # None marks a removed line
    trimmed: set[int] = set()  # lines that lost a sentence: content, whatever their size
    for index, line in enumerate(_unglue(lines)):
        if _line_is_boilerplate(line, model) or _is_intro(line, index):
            kept.append(None)
            continue
        sentences = split_sentences(line)
        content = [s for s in sentences if not _sentence_is_boilerplate(s, model)]
        if content and len(content) < len(sentences):
            if all(s.rstrip("\"'”’)").endswith("?") for s in content):
                content = []  # a reader call: this week's question, then its fixed invitation
            else:
                trimmed.add(len(kept))
        kept.append(" ".join(content) if content else None)
    # A short question or caption between two removed lines belongs to the same block
    # (a "question of the week" between its heading and its call to action); a plain
    # statement there is content and stays.
    for i in range(1, len(kept) - 1):
        line = kept[i]
        if (
            line is not None
            and i not in trimmed
            and not line.rstrip("\"'”’)").endswith(".")
            and kept[i - 1] is None
            and kept[i + 1] is None
            and len(words(line)) <= SANDWICH_MAX_WORDS
        ):
            kept[i] = ""
    return [line for line in kept if line]


def _unglue(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        match = GLUED.match(line)
        if match:
            out.extend([match.group(1), line[match.end() :]])
        else:
            out.append(line)
    return out


def _line_is_boilerplate(line: str, model: Boilerplate) -> bool:
    text = line.strip()
    return (
        (bool(model.lines) and key(text) in model.lines)
        or bool(CLUTTER.match(text))
        or bool(GREETING.match(text))
        or bool(SIGN_OFF.match(text))
    )


def _is_intro(line: str, index: int) -> bool:
    """A short opening line that starts with a greeting ("Good morning, and welcome to
    December."): the letter's salutation, whatever follows it this week."""
    if index >= 3 or not line.strip():
        return False
    first = split_sentences(line)[0]
    return bool(GREETING.match(first.strip())) and len(words(line)) <= INTRO_MAX_WORDS


def _phrases(sentence: str) -> set[str]:
    """The runs of PHRASE_WORDS words around each word of SELF."""
    spaced = f" {key(sentence)} "  # a key's words are one space apart: found without a split
    if not any(word in spaced for word in _SELF_SPACED):
        return set()
    tokens = spaced.split()
    last = len(tokens) - PHRASE_WORDS
    starts = {
        i
        for at, token in enumerate(tokens)
        if token in SELF
        for i in range(max(at - PHRASE_WORDS + 1, 0), min(at, last) + 1)
    }
    return {" ".join(tokens[i : i + PHRASE_WORDS]) for i in starts}


def _sentence_is_boilerplate(sentence: str, model: Boilerplate) -> bool:
    return (
        (bool(model.sentences) and key(sentence) in model.sentences)
        or (bool(model.openings) and _opening(sentence) in model.openings)
        or (bool(model.phrases) and bool(_phrases(sentence) & model.phrases))
        or ("@" in sentence and bool(ADDRESS.search(sentence)))
        or bool(CLUTTER.match(sentence.strip()))
    )


def _opening(sentence: str) -> str:
    """The first few words of a longer sentence: a template's fixed part ("Learn more on ...")."""
    first = key(sentence).split(" ", OPENING_WORDS)  # the words past them are left whole
    return " ".join(first[:OPENING_WORDS]) if len(first) > OPENING_WORDS else ""
