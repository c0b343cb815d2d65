"""The web archive: an index and a page per week, linked relatively."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bs4 import BeautifulSoup

from flows.records import Continuation
from flows.render.archive import write_archive
from tests.unit.test_render import digest


def test_the_archive_has_an_index_and_a_page_per_week(tmp_path: Path) -> None:
    weeks = [digest(2), digest(400)]
    weeks[1] = weeks[1].__class__(**{**weeks[1].__dict__, "week": "2025-W44"})
    written = write_archive(weeks, tmp_path / "site", "Weekly digest")
    assert sorted(p.name for p in written) == ["2025-W43.html", "2025-W44.html", "index.html"]
    index = BeautifulSoup((tmp_path / "site" / "index.html").read_text(), "html.parser")
    assert [a["href"] for a in index.select("li a")] == ["2025-W44.html", "2025-W43.html"]
    assert index.find("link", rel="alternate")["href"] == "feed.xml"
    page = BeautifulSoup((tmp_path / "site" / "2025-W44.html").read_text(), "html.parser")
    assert len(page.select(".headline")) == 400  # a page holds every story, unlike the email


def test_a_continuing_story_links_the_page_of_the_week_it_began(tmp_path: Path) -> None:
    first = replace(digest(1), week="2025-W42")
    [story] = digest(1).stories
    link = Continuation("2025-W42", "k", "Pilots strike", "2025-W42")
    gone = Continuation("2025-W30", "k", "Not in this archive", "2025-W30")
    later = replace(digest(1), stories=(replace(story, continues=link),
                                        replace(story, key="k2", continues=gone)))  # fmt: skip
    write_archive([first, later], tmp_path / "site", "Weekly digest")
    page = BeautifulSoup((tmp_path / "site" / "2025-W43.html").read_text(), "html.parser")
    threads = page.select(".thread")
    assert [t.a["href"] if t.a else None for t in threads] == ["2025-W42.html", None]
