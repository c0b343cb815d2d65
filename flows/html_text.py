"""The visible text of HTML, a paragraph a line, and any text cleaned into such lines: what
a source's title and a document's body are read through."""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser

from flows.sanitise import DROPPED_WITH_CONTENT

BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote",
              "section", "article", "header", "footer", "ul", "ol", "table", "pre", "figure",
              "figcaption", "dd", "dt", "hr", "main", "aside", "nav", "address", "td",
              "th")  # fmt: skip
BLOCK_SELECTOR = ",".join(BLOCK_TAGS)
BULLET_STARTS = tuple("•·▪◦‣∙*+-")
BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙*+]|-(?=\s))\s*")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
DROPPED_TAGS = sorted(DROPPED_WITH_CONTENT)


def html_to_lines(html: str) -> list[str]:
    """Visible text of an HTML document, one paragraph a line; nothing executable kept."""
    # lexbor (C) rather than BeautifulSoup: the same lines, far faster. Only text is read,
    # so no attribute can survive: dropping the elements whose text is code or chrome is
    # all the cleaning needed, without nh3's full pass.
    tree = LexborHTMLParser(html)
    tree.strip_tags(DROPPED_TAGS)
    body = tree.body
    if body is None:
        return []
    for br in body.css("br"):
        br.replace_with("\n")
    for block in body.css(BLOCK_SELECTOR):
        if block.tag == "li":
            first = block.child
            if first is None:
                block.insert_child("\n• ")
            else:
                first.insert_before("\n• ")
        block.insert_child("\n")
    return clean_lines(body.text(deep=True))


def clean_lines(text: str) -> list[str]:
    """Unicode and whitespace clean-up: one paragraph a line, bullets made uniform."""
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    lines = []
    for raw in text.splitlines():
        if not raw.isprintable():  # most lines are: skip the walk over each character
            raw = "".join(ch for ch in raw if ch.isprintable() or ch == "\t")
        line = " ".join(raw.split())
        if line.startswith(BULLET_STARTS) and BULLET.match(line):
            line = "• " + BULLET.sub("", line)
        if line and line != "•":
            lines.append(line)
    return lines
