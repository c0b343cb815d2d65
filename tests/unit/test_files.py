"""The files source: what it reads, what metadata it applies, what it refuses and why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.records import SourceError
from flows.sources.files import read_folder

NOW = datetime(2025, 11, 1, tzinfo=UTC)
UTCZ = ZoneInfo("UTC")


def test_reads_text_markdown_and_html_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# Heading\n\nBody text.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Plain text.", encoding="utf-8")
    (tmp_path / "c.html").write_text("<p>Markup.</p>", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    items, failures = read_folder("s", tmp_path, UTCZ, NOW)
    assert [(i.identity, i.content_type) for i in items] == [
        ("a.txt", "text/plain"),
        ("b.md", "text/markdown"),
        ("c.html", "text/html"),
    ]
    assert failures == []
    assert all(i.published_at is None and i.fetched_at == NOW for i in items)


def test_metadata_gives_date_publisher_and_title(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "metadata.toml").write_text(
        '["a.txt"]\npublished = 2025-10-24\npublisher = "Focus"\ntitle = "A title"\n',
        encoding="utf-8",
    )
    [item], _ = read_folder("s", tmp_path, ZoneInfo("America/New_York"), NOW)
    assert item.published_at == datetime(2025, 10, 24, 16, tzinfo=UTC)  # midday in New York
    assert (item.date_how, item.publisher, item.title) == ("metadata", "Focus", "A title")


def test_an_empty_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ok.txt").write_text("Fine.", encoding="utf-8")
    items, failures = read_folder("s", tmp_path, UTCZ, NOW)
    assert [i.identity for i in items] == ["ok.txt"]
    assert [(f.source, f.identity, f.reason) for f in failures] == [
        ("s", "empty.txt", "empty file")
    ]


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 200)
    items, failures = read_folder("s", tmp_path, UTCZ, NOW, max_bytes=100)
    assert items == [] and "over the 100 limit" in failures[0].reason


@pytest.mark.parametrize(
    ("metadata", "message"),
    [('["a.txt"\n', "not valid TOML"), ('["a.txt"]\npublished = "soon"\n', "must be a TOML date")],
)
def test_bad_metadata_names_the_file(tmp_path: Path, metadata: str, message: str) -> None:
    (tmp_path / "metadata.toml").write_text(metadata, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        read_folder("s", tmp_path, UTCZ, NOW)


def test_a_missing_folder_fails_the_source_only(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"s: .* is not a folder"):
        read_folder("s", tmp_path / "nope", UTCZ, NOW)
