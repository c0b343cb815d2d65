"""Real-world malformed input through the real ingest (issue 14): the feeds of feedparser's
own test corpus (well-formed and ill-formed, every encoding trick, sanitiser attacks), served
by a loopback HTTP server, and the mails of the Python standard library's email tests, read
from a folder of .eml. Neither is committed: feedparser's sdist is fetched from PyPI at test
time into a cache outside the repository (DIGEST_CORPUS_CACHE, default
~/.cache/newsletter-digest/corpora); unreachable, the test skips, and fails under CI.
DIGEST_CORPUS_SAMPLE sets how many feeds run (default 700; 0 for all of them)."""

from __future__ import annotations

import importlib.metadata
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import models
from db import sources as source_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.orchestration.ingest_flow import batches
from flows.orchestration.runner import PARALLEL
from flows.pipeline.ingest_chunk import SourceBatch
from flows.records import SourceReport
from flows.settings import SourceSettings, load_settings
from flows.sources.mailbox import read_eml_folder
from flows.sources.plain_rss import read_plain_rss
from tests.conftest import IN_CI, write_config
from tests.support.feed_readings import both_readings
from tests.support.feed_server import Route, feed_server

CACHE = Path(
    os.environ.get("DIGEST_CORPUS_CACHE", Path.home() / ".cache" / "newsletter-digest" / "corpora")
)
SAMPLE = int(os.environ.get("DIGEST_CORPUS_SAMPLE", "700"))
NOW = datetime(2026, 1, 21, 12, tzinfo=UTC)


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the corpus is required)")
    pytest.skip(reason)


def _pip() -> list[str] | None:
    """A pip to download with: this interpreter's, else the one on PATH (a uv venv has none)."""
    if (
        subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode
        == 0
    ):
        return [sys.executable, "-m", "pip"]
    found = shutil.which("pip3") or shutil.which("pip")
    return [found] if found else None


@pytest.fixture(scope="session")
def feedparser_corpus() -> Path:
    """feedparser's tests/ folder, from the sdist of the installed version (PyPI, cached)."""
    version = importlib.metadata.version("feedparser")
    tests = CACHE / f"feedparser-{version}" / "tests"
    if tests.is_dir():
        return tests
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"feedparser-{version}.tar.gz"
    if not archive.exists():
        pip = _pip()
        if pip is None:
            unavailable("no pip to download feedparser's sdist with")
        wanted = f"feedparser=={version}"
        got = subprocess.run([*pip, "download", "-q", "--no-deps", "--no-binary", ":all:",
                              wanted, "-d", str(CACHE)], capture_output=True, text=True,
                             timeout=300)  # fmt: skip
        if got.returncode != 0 or not archive.exists():
            unavailable(f"feedparser {version}'s sdist could not be fetched: {got.stderr[-300:]}")
    # Unpacked beside, then renamed: a second worker never sees half a corpus.
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch, tarfile.open(archive) as tar:
        prefix = f"feedparser-{version}/tests/"
        members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
        tar.extractall(scratch, members=members, filter="data")
        if not tests.is_dir():
            tests.parent.mkdir(exist_ok=True)
            os.replace(Path(scratch) / prefix, tests)
    return tests


def email_corpus() -> Path:
    try:
        import test.test_email as email_tests
    except ImportError:
        unavailable("this Python has no test package (test.test_email)")
    return Path(email_tests.__file__).parent / "data"


def ingest(sqlite_url: str, tmp_path: Path, sources: list[dict[str, object]]) -> list[SourceReport]:
    """The sources through the batches the ingest tasks run (fetch, parse in the process
    pool, normalise, store, record), without Prefect; reports in the sources' order."""
    settings = load_settings(write_config(tmp_path, sqlite_url, None, sources))
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        source_store.sync_sources(session, [(s.name, s.kind, None) for s in settings.sources])
        states = source_store.source_statuses(session, [s.name for s in settings.sources])

    def run(batch: list[SourceSettings]) -> list[SourceReport]:
        with SourceBatch(settings, states, NOW) as sources:
            return sources.ingest(batch)

    # Side by side, as the ingest flow's tasks run them.
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = pool.map(run, batches(list(settings.sources), PARALLEL))
    by_name = {r.source: r for reports in done for r in reports}
    return [by_name[s.name] for s in settings.sources]


def recorded(sqlite_url: str) -> tuple[Counter[str | None], int]:
    with session_scope(sqlite_url) as session:
        statuses = Counter(session.scalars(select(models.Source.last_status)))
        documents = session.scalar(select(func.count()).select_from(models.Document)) or 0
    return statuses, documents


def test_feedparser_corpus_through_the_ingest(
    feedparser_corpus: Path, sqlite_url: str, tmp_path: Path
) -> None:
    files = sorted(feedparser_corpus.rglob("*.xml"))
    step = 1 if SAMPLE <= 0 else max(1, math.ceil(len(files) / SAMPLE))
    sample = files[::step]
    with feed_server() as server:
        sources = []
        for n, path in enumerate(sample):
            url = server.add(f"/{n}.xml", Route(path.read_bytes(), content_type="application/xml"))
            sources.append({"name": f"fp{n}", "kind": "feed", "url": url})
        reports = ingest(sqlite_url, tmp_path, sources)
    statuses, documents = recorded(sqlite_url)
    by_status = Counter(r.status for r in reports)
    print(f"{len(sample)} of {len(files)} feedparser corpus files: {dict(by_status)}, "
          f"{documents} documents, {sum(r.failed for r in reports)} item failures")  # fmt: skip
    assert len(reports) == len(sample)
    # Every feed got a status, recorded on its source, and each failure has its reason.
    assert sum(statuses.values()) == len(sample) and None not in statuses
    assert all(r.error or r.failures for r in reports if r.status == "failed")
    assert all(f.reason for r in reports for f in r.failures)
    # The good ones are stored: a feed that feedparser reads cleanly, with an entry of a few
    # words of text, gives a stored text (most of the corpus tests one element, no entry).
    good = [r for r, p in zip(reports, sample, strict=True) if _has_a_story(p.read_bytes())]
    missed = [(r.source, r.status, r.error, r.failures) for r in good
              if r.new + r.duplicate + r.unchanged == 0]  # fmt: skip
    print(f"{len(good)} feeds with a story, {len(missed)} not stored: {missed[:5]}")
    assert good and not missed


def test_plain_rss_reads_the_corpus_as_feedparser_does(feedparser_corpus: Path) -> None:
    """Every corpus file the plain RSS path takes, under each kind of answer, gives the items
    (or the error) feedparser gives; the rest it leaves to feedparser."""
    taken, differ = 0, []
    for path in sorted(feedparser_corpus.rglob("*.xml")):
        body = path.read_bytes()
        for content_type, charset in ((None, None), ("application/rss+xml", None),
                                      ("text/xml", "utf-8"), ("text/xml", None)):  # fmt: skip
            if read_plain_rss(body, content_type, charset) is None:
                continue
            taken += 1
            fast, reference = both_readings(body, content_type, charset)
            if fast != reference:
                differ.append((path.relative_to(feedparser_corpus), content_type, charset))
    print(f"plain RSS path took {taken} readings of the corpus; {len(differ)} differ")
    assert taken > 500 and not differ, differ[:5]


def test_stdlib_email_corpus_through_the_ingest(sqlite_url: str, tmp_path: Path) -> None:
    data = email_corpus()
    folder = tmp_path / "mails"
    folder.mkdir()
    messages = sorted(data.glob("msg_*.txt"))
    for path in messages:
        shutil.copyfile(path, folder / f"{path.stem}.eml")
    [report] = ingest(sqlite_url, tmp_path, [{"name": "m", "kind": "mailbox", "path": str(folder)}])
    print(f"{len(messages)} stdlib test mails: {report.status}, {report.new} new, "
          f"{report.duplicate} duplicate, {report.failed} failed")  # fmt: skip
    assert report.status in ("ok", "partial")
    # Each mail (by its identity: some share a Message-ID) is stored or failed with why.
    items, unread = read_eml_folder("m", folder, NOW)
    with session_scope(sqlite_url) as session:
        kept = set(session.scalars(select(models.Sighting.identity)))
    failed = {f.identity for f in report.failures if f.reason}
    assert {i.identity for i in items} | {f.identity for f in unread} <= kept | failed
    statuses, documents = recorded(sqlite_url)
    assert statuses == Counter({report.status: 1}) and documents == report.new


def _has_a_story(body: bytes) -> bool:
    import feedparser

    from flows.html_text import html_to_lines

    parsed = feedparser.parse(body)
    if parsed.bozo:
        return False
    for entry in parsed.entries:
        html = " ".join(c.value for c in entry.get("content", [])) or entry.get("summary", "")
        if len(" ".join(html_to_lines(html)).split()) >= 5:
            return True
    return False
