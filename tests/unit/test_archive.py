"""The web archive: an index and a page per week, linked relatively."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from flows.render.archive import write_archive
from tests.unit.test_render import digest


def test_the_archive_has_an_index_and_a_page_per_week(tmp_path: Path) -> None:
    weeks = [digest(2), digest(400)]
    weeks[1] = weeks[1].__class__(**{**weeks[1].__dict__, "week": "2025-W44"})
    written = write_archive(weeks, tmp_path / "site", "Weekly digest")
    assert sorted(p.name for p in written) == ["2025-W43.html", "2025-W44.html", "index.html"]
    index = BeautifulSoup((tmp_path / "site" / "index.html").read_text(), "html.parser")
    assert [a["href"] for a in index.find_all("a")] == ["2025-W44.html", "2025-W43.html"]
    page = BeautifulSoup((tmp_path / "site" / "2025-W44.html").read_text(), "html.parser")
    assert len(page.select(".headline")) == 400  # a page holds every story, unlike the email
