"""Content-Encoding undone in bounded pieces: a body is counted as it is decoded, so that a
few kilobytes of stacked gzip (a "zip bomb") stop at the cap instead of filling memory."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

PIECE = 64 * 1024  # the most any decoder gives at once, whatever the ratio of its input
MAX_CODINGS = 2  # "gzip" or "gzip, deflate" happen; more is an attack, not a server
WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
PLAIN = {"", "identity"}


class TooLarge(Exception):
    """The body, decoded, goes past the cap."""


class BadEncoding(Exception):
    """The body is not what its Content-Encoding says, or the encoding is not one we asked for."""


def codings(header: str | None) -> list[str]:
    """The encodings applied, in the order the server applied them."""
    named = [c.strip().lower() for c in (header or "").split(",")]
    return [c for c in named if c not in PLAIN]


def decoded(raw: Iterable[bytes], header: str | None, max_bytes: int) -> bytes:
    """The body with its encodings undone, or TooLarge as soon as its decoded bytes (or
    its raw bytes) pass `max_bytes`; never more than one piece past the cap in memory."""
    applied = codings(header)
    if len(applied) > MAX_CODINGS:
        raise BadEncoding(f"{len(applied)} stacked content encodings ({header})")
    unknown = [c for c in applied if c not in WBITS]
    if unknown:
        raise BadEncoding(f"unsupported content encoding {unknown[0]!r}")
    stream: Iterable[bytes] = _capped(raw, max_bytes)
    for coding in reversed(applied):  # the last applied is the first to undo
        stream = _inflate(stream, coding)
    body = bytearray()
    for piece in stream:
        body.extend(piece)
        if len(body) > max_bytes:
            raise TooLarge
    return bytes(body)


def _capped(raw: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """The raw chunks, until they pass the cap (also when Content-Length was missing or wrong)."""
    seen = 0
    for chunk in raw:
        seen += len(chunk)
        if seen > max_bytes:
            raise TooLarge
        yield chunk


def _inflate(chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """One encoding undone, PIECE bytes at most at a time; what follows the end of the
    compressed stream (a second gzip member, trailing garbage) is left, as browsers do."""
    decoder = zlib.decompressobj(WBITS[coding])
    first = True
    for chunk in chunks:
        data = chunk
        while data and not decoder.eof:
            try:
                out = decoder.decompress(data, PIECE)
            except zlib.error as err:
                if not (first and coding == "deflate"):
                    raise BadEncoding(f"{coding} body cannot be decoded: {err}") from None
                # "deflate" is sent raw by some servers, without the zlib header it names.
                decoder, first = zlib.decompressobj(-zlib.MAX_WBITS), False
                continue
            first = False
            data = decoder.unconsumed_tail
            if out:
                yield out
        while not decoder.eof:  # what the decoder holds without needing more input
            out = decoder.decompress(b"", PIECE)
            if not out:
                break
            yield out
