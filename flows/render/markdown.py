"""A week's digest as Markdown (CommonMark): for `digest preview --format markdown` and for
chat and webhooks, which take Markdown where they take any formatting at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flows.records import Digest
from flows.render.digest import TEXT, story_view

# Backslash-escaped wherever they appear: these alone make emphasis, links, code, tables or
# raw HTML of plain words. A line's leading "#", ">", "-", "+" or "1." would make a heading,
# a quote or a list, so those are escaped at a line's start only (dashes inside words stay).
INLINE = re.compile(r"([\\`*_\[\]<>|~])")
LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)([.)]))", flags=re.MULTILINE)


def escape_markdown(text: str) -> str:
    """`text` shown as it is, not read as Markdown."""

    def start(found: re.Match[str]) -> str:
        blank, mark, number, dot = found.groups()
        return f"{blank}\\{mark}" if mark else f"{blank}{number}\\{dot}"

    return LINE_START.sub(start, INLINE.sub(r"\\\1", text))


def link_target(url: str) -> str:
    """A URL that cannot end its link early: spaces, brackets and parentheses encoded."""
    return "".join({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}.get(c, c)
                   for c in url)  # fmt: skip


MARKDOWN = TEXT.overlay()
MARKDOWN.filters["md"] = escape_markdown
MARKDOWN.filters["link"] = link_target


def render_markdown(
    digest: Digest,
    *,
    archive_url: str | None = None,
    week_url: Callable[[str], str | None] | None = None,
) -> str:
    """The week's stories, then its late arrivals, as one Markdown document; like the
    email, the same digest always gives the same text."""
    stories = [story_view(s, week_url=week_url) for s in digest.stories]
    stories += [story_view(s, late=True, week_url=week_url) for s in digest.late]
    view = {
        "title": digest.title,
        "week": digest.week,
        "starts": digest.starts,
        "last_day": digest.ends - timedelta(seconds=1),
    }
    text = MARKDOWN.get_template("digest.md.j2").render(
        digest=view, stories=stories, archive_url=archive_url
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
