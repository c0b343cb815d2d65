"""Small text tools shared by the steps: sentences, words and comparison keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "e.u", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen",
    "sen", "rep", "gov", "lt", "col", "capt", "no", "vs", "etc", "e.g", "i.e", "inc", "ltd",
    "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "p.m", "a.m", "approx", "dept", "est", "fig", "mt", "ft",
}  # fmt: skip

_CLOSERS = r"[\"'”’)\]]*"  # quotes and brackets that close a sentence after its stop
_SENTENCE_END = re.compile(rf"(?<=[.!?]){_CLOSERS}\s+(?=[\"'“‘(\[]?[A-Z0-9•])")
# What every match of _SENTENCE_END begins with, found by a fast scan for its first character:
# most paragraphs hold no end of a sentence but their last.
_MAY_END = re.compile(rf"[.!?]{_CLOSERS}\s")
# ASCII bytes lower-cased, every one but a-z and 0-9 a space (key() has made the text ASCII).
_KEY_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if (97 <= c <= 122 or 48 <= c <= 57) else 32 for c in range(256)
)
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping "U.S." and "Dr." inside theirs."""
    return list(_sentences(paragraph))


@lru_cache(maxsize=4096)  # learning boilerplate, stripping it and titling split the same lines
def _sentences(paragraph: str) -> tuple[str, ...]:
    if _MAY_END.search(paragraph) is None:
        rest = paragraph.strip()
        return (rest,) if rest else ()
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        candidate = paragraph[start : match.start()].rstrip()
        last_word = candidate.rsplit(None, 1)[-1] if candidate else ""  # rstripped already
        token = last_word.rstrip(".!?\"'”’)]").lower()
        if last_word.endswith(".") and (
            token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())
        ):
            continue
        sentence = paragraph[start : match.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return tuple(sentences)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=4096)  # learning boilerplate and stripping it key the same lines
def key(text: str) -> str:
    """A comparison key: accents, case, punctuation and spacing do not matter."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return b" ".join(text.encode("ascii").translate(_KEY_BYTES).split()).decode("ascii")


def has_words(text: str, count: int) -> bool:
    """Whether `text` has at least `count` words, without listing them all."""
    return sum(1 for _ in islice(_WORD.finditer(text), count)) >= count
