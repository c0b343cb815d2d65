"""The web archive: a static site of every week's digest, readable from disk or any server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flows.atomic_write import write_file
from flows.records import Digest
from flows.render.digest import HTML, render_digest

PAGE_LIMIT = 10**9  # a web page is not an email: no story is left out of it


def page_name(week: str) -> str:
    return f"{week}.html"


def write_archive(
    digests: Sequence[Digest], out: Path, title: str, feed: str = "feed.xml"
) -> list[Path]:
    """One page per week (the email's own template) and an index, newest week first, that
    names the Atom `feed` (flows.render.feed); links are relative, so the folder works
    opened from disk and served as it is."""
    written = []
    ordered = sorted(digests, key=lambda d: d.week, reverse=True)
    weeks = {d.week for d in digests}
    for digest in ordered:
        html = render_digest(
            digest,
            week_url=lambda week: page_name(week) if week in weeks else None,
            size_limit=PAGE_LIMIT,
        ).html
        written.append(write_file(out / page_name(digest.week), html.encode("utf-8")))
    pages = [
        {
            "week": d.week,
            "file": page_name(d.week),
            "stories": len(d.stories),
            "top": d.stories[0].headline if d.stories else "",
        }
        for d in ordered
    ]
    index = HTML.get_template("archive_index.html.j2").render(title=title, pages=pages, feed=feed)
    written.append(write_file(out / "index.html", index.encode("utf-8")))
    return written
