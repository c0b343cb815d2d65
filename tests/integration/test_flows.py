"""The flows end to end on the seeds, through Prefect, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import models
from db.engine import session_scope
from flows.orchestration.ingest_flow import ingest_flow
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.pipeline.preview import preview_week
from flows.settings import load_settings
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

FORBIDDEN = (
    "Submit your thoughts", "Prepared by China-US Focus", "Learn more", "Watch Video",
    "Source link", "Post Comment", "Dear Focus", "seeds/", ".txt",
)  # fmt: skip
SEED_WEEKS = ["2025-W43", "2025-W49", "2026-W06"]


def row_counts(url: str) -> dict[str, int]:
    tables = [models.Source, models.Document, models.Sighting, models.Story, models.Digest,
              models.Delivery]  # fmt: skip
    with session_scope(url) as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables
        }


def test_the_seeds_make_three_weekly_digests(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, database_url, seeds_copy)
    sources, weeks = backfill_flow(ingest=True, config=str(config))

    assert [(s.source, s.status, s.new, s.failed) for s in sources] == [("seeds", "ok", 5, 0)]
    assert [(w.week, w.status, w.sent) for w in weeks] == [(w, "sent", 1) for w in SEED_WEEKS]
    assert [w.documents for w in weeks] == [3, 1, 1]

    story_docs = json.loads(preview_week(load_settings(config), "2025-W43", "json"))
    identities = [
        sorted(s["identity"] for d in story["documents"] for s in d["sightings"])
        for story in story_docs["stories"]
    ]
    # The newsletter's lead item joins the talks; its plenum item is a story of its own and
    # its chart caption none (what leads each week: test_seed_digests).
    talks = [ids for ids in identities if "003_10e8502773846869.txt" in ids]
    assert len(talks) == 1 and "000_87c2033d37bbf742.txt" in talks[0]
    assert identities.count(["000_87c2033d37bbf742.txt"]) == 1

    outbox = tmp_path / "outbox"
    emails = sorted(outbox.glob("*.eml"))
    assert [p.name.split("_")[0] for p in emails] == SEED_WEEKS
    assert sorted(p.stem for p in outbox.glob("*.html")) == SEED_WEEKS
    for path in emails:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"
        assert message["To"] == "reader@example.org"
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for phrase in FORBIDDEN:
            assert phrase not in plain and phrase not in html, (path.name, phrase)
        assert path.name.split("_")[0] in message["Subject"]

    summary = latest_artifact("digest-2025-w43")
    assert "2025-W43" in summary and "| 1 |" in summary
    assert "| seeds | ok | 5 |" in latest_artifact("ingest-sources")


def latest_artifact(key: str) -> str:
    """The markdown the last run published under `key`, read back from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    assert artifacts, f"no artifact {key}"
    return str(artifacts[0].data)


def test_a_rerun_stores_and_sends_nothing_twice(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, database_url, seeds_copy)
    backfill_flow(ingest=True, config=str(config))
    first = row_counts(database_url)
    written = {p: p.stat().st_mtime_ns for p in (tmp_path / "outbox").glob("*.eml")}

    sources, weeks = backfill_flow(ingest=True, config=str(config))
    assert [(s.new, s.unchanged) for s in sources] == [(0, 5)]
    assert [(w.sent, w.skipped) for w in weeks] == [(0, 1)] * 3
    assert row_counts(database_url) == first
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "outbox").glob("*.eml")} == written

    _, weeks = backfill_flow(from_week="2025-W43", to_week="2025-W43", resend=True,
                             config=str(config))  # fmt: skip
    assert [(w.week, w.sent) for w in weeks] == [("2025-W43", 1)]
    with session_scope(database_url) as session:
        attempts = session.scalars(select(models.Delivery.attempts).join(models.Digest).where(
            models.Digest.week == "2025-W43"))  # fmt: skip
        assert list(attempts) == [2]


def test_bad_files_are_refused_with_a_reason_and_the_rest_goes_on(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (seeds_copy / "latin1.txt").write_bytes(
        "Café owners in Zürich protested the new rent rules on Friday.".encode("latin-1")
    )
    (seeds_copy / "bom.txt").write_bytes(
        "\ufeffBakers in Lyon won a prize for their bread on Thursday.".encode()
    )
    config = write_config(tmp_path, sqlite_url, seeds_copy)
    [report] = ingest_flow(config=str(config))
    assert report.status == "partial"
    assert report.new == 7
    assert {(f.identity, f.reason) for f in report.failures} == {
        ("empty.txt", "empty file"),
        ("junk.txt", "binary content, not text"),
    }
    with session_scope(sqlite_url) as session:
        texts = set(session.scalars(select(models.Document.text)))
        source = session.scalar(select(models.Source))
    assert any("Café owners in Zürich" in t for t in texts)
    assert any(t.startswith("Bakers in Lyon") for t in texts)
    assert source.last_status == "partial" and "junk.txt" in source.last_error


def test_a_missing_source_folder_is_recorded_and_fails_nothing_stored(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, sqlite_url, seeds_copy)
    ingest_flow(config=str(config))
    before = row_counts(sqlite_url)
    seeds_copy.rename(tmp_path / "moved")
    [report] = ingest_flow(config=str(config))
    assert report.status == "failed" and "is not a folder" in report.error
    after = row_counts(sqlite_url)
    assert after["documents"] == before["documents"] == 5


def test_weekly_builds_the_week_asked_for(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, sqlite_url, seeds_copy)
    sources, [week] = weekly_flow(week="2025-W49", config=str(config))
    assert sources[0].new == 5
    # One newsletter: the trade call; its pull-quote and its chart's caption are no stories.
    assert (week.week, week.status, week.stories, week.documents) == ("2025-W49", "sent", 1, 1)
    _, [empty] = weekly_flow(week="2025-W30", ingest=False, config=str(config))
    assert empty.status == "empty"


def test_a_dry_run_builds_nothing_and_sends_nothing(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, sqlite_url, seeds_copy)
    _, weeks = backfill_flow(ingest=True, dry_run=True, config=str(config))
    # 2025-W43: the talks and the plenum, and 002 apart while grouping keeps it so
    assert [(w.week, w.status) for w in weeks] == [(w, "dry-run") for w in SEED_WEEKS]
    assert [w.stories for w in weeks][1:] == [1, 2] and weeks[0].stories in (2, 3)
    assert weeks[0].files == ("would send to reader@example.org",)
    assert not (tmp_path / "outbox").exists()
    counts = row_counts(sqlite_url)
    assert (counts["digests"], counts["deliveries"], counts["documents"]) == (0, 0, 5)
