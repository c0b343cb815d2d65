"""The SAX driver feedparser's strict parser is given: Python's expat reader, with the text
between two tags handed over in one piece rather than line by line and entity by entity."""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any
from xml.sax.expatreader import ExpatParser

# Text runs longer than this still come in pieces, as SAX allows; an entry's escaped HTML
# is most often shorter.
BUFFER_CHARACTERS = 1 << 16


class BufferedExpatParser(ExpatParser):
    """SAX lets a parser split a text into any number of `characters` calls, and feedparser
    joins them; escaped HTML made expat call once per entity, a quarter of parsing a feed."""

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True
        self._parser.buffer_size = BUFFER_CHARACTERS


def create_parser(*args: Any, **kwargs: Any) -> BufferedExpatParser:
    """What `xml.sax.make_parser` calls on a driver module."""
    return BufferedExpatParser(*args, **kwargs)


@cache
def feedparser_module() -> ModuleType:
    """feedparser, its strict parser given this driver; imported on the first body parsed (a
    run where every feed answers 304 parses none)."""
    import feedparser
    import feedparser.api

    feedparser.api.PREFERRED_XML_PARSERS = [__name__]
    return feedparser
