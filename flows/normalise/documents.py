"""Normalise: raw bytes to clean text lines, a title, a date, boilerplate removed."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flows.html_text import BULLET, clean_lines, html_to_lines
from flows.normalise import boilerplate, headlines, roundups, sections
from flows.normalise.dates import infer_date
from flows.normalise.fingerprints import content_hash, raw_hash
from flows.records import Document, Failure, RawItem
from flows.sanitise import multi_line
from flows.text import has_words, split_sentences, words

BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)


class NormaliseError(ValueError):
    """An item that cannot become a document; the message is the reason."""


@dataclass(frozen=True)
class Prepared:
    item: RawItem
    lines: tuple[str, ...]  # clean paragraphs, boilerplate still in
    raw_hash: str


def normalise_items(
    items: Sequence[RawItem], learned: Mapping[str, Sequence[str]], zone: ZoneInfo
) -> tuple[list[Document], list[Failure]]:
    """Turn raw items into documents; `learned` holds each publisher's earlier raw texts."""
    prepared: list[Prepared] = []
    failures: list[Failure] = []
    for item in items:
        try:
            prepared.append(prepare(item))
        except Exception as err:  # whatever an item does to a step, it fails alone
            failures.append(Failure(item.source, item.identity, reason_of(err)))
    texts: dict[str, list[str]] = defaultdict(list)
    for publisher, earlier in learned.items():
        texts[publisher].extend(earlier)
    for p in prepared:
        texts[p.item.publisher or ""].append("\n".join(p.lines))
    # An unknown publisher groups unrelated texts: learn nothing from them.
    models = {pub: boilerplate.learn(t) for pub, t in texts.items() if pub}
    documents = []
    for p in prepared:
        model = models.get(p.item.publisher or "", boilerplate.Boilerplate())
        try:
            documents.append(to_document(p, model, zone))
        except Exception as err:  # whatever an item does to a step, it fails alone
            failures.append(Failure(p.item.source, p.item.identity, reason_of(err)))
    return documents, failures


def reason_of(err: Exception) -> str:
    """Our own errors say why in words; anything else is named with its type, as a bug."""
    if isinstance(err, NormaliseError):
        return str(err)
    return f"could not be normalised: {type(err).__name__}: {err}"


def prepare(item: RawItem) -> Prepared:
    """Decode and clean one item, or say why it cannot be read. The text is made safe as
    it is decoded (no NUL, control or bidi override reaches a later step or the store)."""
    text = multi_line(decode(item.body, item.charset))
    if item.content_type == "text/html" or _looks_like_html(text):
        lines = html_to_lines(text)
    else:
        lines = clean_lines(_strip_markdown(text) if item.content_type == "text/markdown" else text)
    if not lines:
        raise NormaliseError("no text left after cleaning")
    return Prepared(item, tuple(lines), raw_hash(item.body))


def to_document(prepared: Prepared, model: boilerplate.Boilerplate, zone: ZoneInfo) -> Document:
    item = prepared.item
    lines = boilerplate.strip(prepared.lines, model)
    if not lines:
        raise NormaliseError("only boilerplate, no content")
    title, body = title_and_body(lines, item.title.strip() if item.title else None)
    text = "\n\n".join(body or lines)
    paragraphs = text.split("\n\n")
    kept = set(lines)
    newsletter = sections.is_newsletter(
        prepared.lines, [line for line in prepared.lines if line not in kept]
    )
    published, how, evidence = item.published_at, item.date_how or "metadata", "given by the source"
    if published is None:
        guess = infer_date("\n".join(prepared.lines), item.fetched_at, zone)
        if guess is not None:
            published, how, evidence = guess.when, "text", guess.evidence
        else:
            published, how, evidence = item.fetched_at, "first_seen", "no date in metadata or text"
    return Document(
        source=item.source,
        identity=item.identity,
        publisher=(item.publisher or "").strip(),
        title=title,
        text=text,
        content_hash=content_hash(text),
        published_at=published,
        date_how=how,
        date_evidence=evidence,
        fetched_at=item.fetched_at,
        url=item.url,
        raw_hash=prepared.raw_hash,
        raw_text="\n".join(prepared.lines),
        sections=sections.item_starts(paragraphs)
        if newsletter
        else roundups.roundup_starts(paragraphs),
    )


def decode(body: bytes, declared: str | None = None) -> str:
    """Bytes to text: a BOM, else the declared charset, else UTF-8, else Windows-1252.

    Statistical charset guessing is left out on purpose: on short texts it picks exotic
    code pages (a Latin-1 "Café" guessed as Baltic), while newsletters that are not UTF-8
    are overwhelmingly Latin-1 or its Windows superset.
    """
    if not body.strip():
        raise NormaliseError("empty file")
    for bom, codec in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    if _is_binary(body):
        raise NormaliseError("binary content, not text")
    declared = declared or _meta_charset(body)
    for codec in (declared, "utf-8", "cp1252"):
        if codec:
            try:
                return body.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    return body.decode("latin-1")


def _meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:2048])
    return match.group(1).decode("ascii") if match else None


def title_and_body(lines: Sequence[str], given: str | None = None) -> tuple[str, list[str]]:
    """The title `given` by the source, else the first line when it is a headline, else
    one drawn from the lead sentence; the body is the lines without that headline."""
    first = lines[0]
    if len(lines) > 1 and is_headline(first):
        return given or first, list(lines[1:])
    return given or derive_title(lines), list(lines)


def is_headline(line: str) -> bool:
    count = len(words(line))
    return (
        3 <= count <= 20
        and not line.endswith((".", ",", ";", ":", "!"))
        and not line.startswith("•")
        and (line[0].isupper() or line[0].isdigit())
        and headlines.is_usable_title(line)  # "The Daily - Friday, February 6, 2026" is chrome
    )


def derive_title(lines: Sequence[str]) -> str:
    """A short whole phrase from the lead: the main clause of the first line that tells news
    (not page chrome, a caption, a quotation or a promotion)."""
    lead = next((ln for ln in lines if has_words(ln, 4) and _tells_news(ln)), None)
    lead = BULLET.sub("", lead or next((ln for ln in lines if has_words(ln, 4)), lines[0]))
    if is_headline(lead):
        return lead  # a headline line in the body ("es.euronews.com" above it)
    return headlines.lead_phrase(lead)


def _tells_news(line: str) -> bool:
    first = split_sentences(BULLET.sub("", line))[0]
    return not (
        headlines.is_chrome(line)
        or headlines.is_caption(line)
        or headlines.is_quotation(first)
        or headlines.is_promo(first)
    )


def _is_binary(body: bytes) -> bool:
    sample = body[:8192]
    if b"\x00" in sample:
        return True
    control = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return control / len(sample) > 0.05


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html"))


def _strip_markdown(text: str) -> str:
    text = re.sub(r"^\s{0,3}(#{1,6}|>)\s*", "", text, flags=re.M)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|`)", "", text)
