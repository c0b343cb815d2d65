"""OPML in and out, and the commands that manage feed sources in the settings file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import load_settings
from flows.sources.opml import OpmlError, read_opml, write_opml

OPML = b"""<?xml version="1.0"?>
<opml version="1.0"><head><title>Mine</title></head><body>
  <outline text="News">
    <outline text="Harbour" title="Harbour News" type="rss" xmlUrl="https://harbour.example/feed"/>
    <outline text="Rail" type="rss" xmlUrl="https://rail.example/feed.json"/>
  </outline>
  <outline text="A folder with no feed"/>
</body></opml>"""


def test_nested_outlines_are_read_in_order() -> None:
    assert read_opml(OPML) == [
        ("Harbour News", "https://harbour.example/feed"),
        ("Rail", "https://rail.example/feed.json"),
    ]


def test_what_is_written_reads_back() -> None:
    feeds = [('Tom & Jerry\'s "news"', "https://x.example/?a=1&b=2")]
    assert read_opml(write_opml(feeds, "Digest <mine>").encode()) == feeds


@pytest.mark.parametrize(("data", "reason"), [(b"<opml><body>", "not valid XML"),
                                              (b"<rss/>", "not OPML")])  # fmt: skip
def test_bad_opml_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        read_opml(data)


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "flows.cli.main", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120, check=False)  # fmt: skip


def test_sources_add_import_export_and_list(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(f'[digest]\ndatabase_url = "sqlite:///{tmp_path}/d.db"\n', encoding="utf-8")
    assert (
        digest("sources", "add", "harbour", "https://harbour.example/feed", cwd=tmp_path).returncode
        == 0
    )
    again = digest("sources", "add", "harbour", "https://other.example/feed", cwd=tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr
    (tmp_path / "subs.opml").write_bytes(OPML)
    imported = digest("sources", "import", "subs.opml", cwd=tmp_path)
    assert imported.returncode == 0
    assert "already there" in imported.stdout and "added" in imported.stdout
    settings = load_settings(config)
    assert [(s.name, s.kind, s.url) for s in settings.sources] == [
        ("harbour", "feed", "https://harbour.example/feed"),
        ("Rail", "feed", "https://rail.example/feed.json"),
    ]
    exported = digest("sources", "export", cwd=tmp_path)
    assert read_opml(exported.stdout.encode()) == [
        ("harbour", "https://harbour.example/feed"), ("Rail", "https://rail.example/feed.json")
    ]  # fmt: skip
    listed = json.loads(digest("sources", "--format", "json", cwd=tmp_path).stdout)
    assert [(s["name"], s["last_status"]) for s in listed] == [("Rail", None), ("harbour", None)]
