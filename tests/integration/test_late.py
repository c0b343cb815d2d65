"""Late arrivals: a document of an already sent week goes into the next digest, marked late,
once; the sent week stays as it was sent."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db import models
from db.engine import session_scope
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.pipeline.preview import preview_week
from flows.settings import load_settings
from flows.stories.late import late_for
from tests.conftest import ROOT, write_config
from tests.integration.test_flows import latest_artifact

UTC_ZONE = ZoneInfo("UTC")
LATE_TITLE = "Harbour pilots end their strike at Rotterdam"
LATE_TEXT = f"""{LATE_TITLE}

Harbour pilots at Rotterdam ended a three-day strike on Friday after the port authority
agreed to review rest periods for night shifts, and the first tankers queued off the coast
moved into the Maasvlakte terminals before dawn on Saturday morning.

The pilots' union said the review would report within six weeks and that members would
return to normal rosters at once, while shipping agents counted more than forty delayed
vessels and warned that container schedules would take days to recover fully.
"""


def add_late_file(seeds: Path) -> None:
    """A text dated 24 October 2025 (in 2025-W43) that arrives after W43 was sent."""
    (seeds / "005_rotterdam.txt").write_text(LATE_TEXT, encoding="utf-8")
    with (seeds / "metadata.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n["005_rotterdam.txt"]\npublished = 2025-10-24\npublisher = "Port Wire"\n')


def holders_of(url: str, title: str) -> dict[str, bool]:
    """Week -> whether its digest was sent, for every stored digest holding `title`."""
    with session_scope(url) as session:
        rows = session.execute(
            select(models.Story.week, models.Delivery.state)
            .join(models.StoryDocument, models.StoryDocument.story_id == models.Story.id)
            .join(models.Document, models.Document.id == models.StoryDocument.document_id)
            .join(models.Digest, models.Digest.week == models.Story.week)
            .outerjoin(models.Delivery, models.Delivery.digest_id == models.Digest.id)
            .where(models.Document.title == title)
        )
        return {week: state == "sent" for week, state in rows}


def stored_digest(url: str, week: str) -> tuple[str, list[str]]:
    with session_scope(url) as session:
        digest = session.scalar(select(models.Digest).where(models.Digest.week == week))
        titles = session.scalars(
            select(models.Document.title)
            .join(models.StoryDocument, models.StoryDocument.document_id == models.Document.id)
            .join(models.Story, models.Story.id == models.StoryDocument.story_id)
            .where(models.Story.week == week)
            .order_by(models.Document.id)
        )
        return digest.content_hash, list(titles)


@pytest.mark.usefixtures("prefect_harness")
def test_a_late_document_goes_into_the_next_digest_once_marked_late(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, database_url, seeds_copy)
    _, [w43] = backfill_flow("2025-W43", "2025-W43", ingest=True, config=str(config))
    assert (w43.status, w43.documents) == ("sent", 3)
    w43_before = stored_digest(database_url, "2025-W43")

    add_late_file(seeds_copy)
    sources, [w44] = weekly_flow(week="2025-W44", config=str(config))
    assert sources[0].new == 1
    assert (w44.status, w44.stories, w44.documents, w44.sent) == ("sent", 1, 1, 1)

    # Marked late in the email, both parts, and in the preview's JSON.
    [eml] = (tmp_path / "outbox").glob("2025-W44_*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"] == f"Weekly digest 2025-W44: {LATE_TITLE}"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "LATE ARRIVALS" in plain and "Late: published Fri 24 Oct 2025, Port Wire" in plain
    assert "Late arrivals" in html and "Late: published Fri 24 Oct 2025" in html
    preview = json.loads(preview_week(load_settings(config), "2025-W44", "json"))
    assert preview["stories"] == []
    [late] = preview["late_arrivals"]
    assert late["headline"] == LATE_TITLE and late["late"] is True
    assert [d["published_week"] for d in late["documents"]] == ["2025-W43"]
    assert "Late arrivals: 1 stories, 1 documents" in latest_artifact("digest-2025-w44")

    # The sent week is frozen: a rerun sends nothing and holds what it held.
    _, [again] = weekly_flow(week="2025-W43", ingest=False, config=str(config))
    assert again.status == "already sent"
    assert stored_digest(database_url, "2025-W43") == w43_before
    assert LATE_TITLE not in w43_before[1]
    preview = json.loads(preview_week(load_settings(config), "2025-W43", "json"))
    assert preview["late_arrivals"] == [] and preview["document_count"] == 3
    # Its three documents were stored before it was sent: none of them is late anywhere.
    for title in w43_before[1]:
        assert holders_of(database_url, title) == {"2025-W43": True}

    # The rest of the seeds' weeks go out; the late document stays in W44 alone.
    _, later = backfill_flow(config=str(config))
    assert [(w.week, w.status) for w in later] == [
        ("2025-W43", "already sent"), ("2025-W44", "already sent"), ("2025-W49", "sent"),
        ("2026-W06", "sent"),
    ]  # fmt: skip
    assert holders_of(database_url, LATE_TITLE) == {"2025-W44": True}
    carrying = [p.name for p in (tmp_path / "outbox").glob("*.eml")
                if "Rotterdam" in p.read_text(encoding="utf-8")]  # fmt: skip
    assert carrying == [eml.name]

    # The web archive has a page for the week of late arrivals alone, as the email links it.
    site = tmp_path / "site"
    command = [sys.executable, "-m", "flows.cli.main", "archive", "--out", str(site),
               "--config", str(config)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Late arrivals" in (site / "2025-W44.html").read_text(encoding="utf-8")
    assert "Rotterdam" not in (site / "2025-W43.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "week", "sent", "holders", "expected"),
    [
        ("own week sent without it", "2025-W44", {"2025-W43"}, {}, [1]),
        ("own week not sent: a backfill brings it", "2025-W44", set(), {}, []),
        ("a later week does not take it twice", "2025-W45", {"2025-W43", "2025-W44"},
         {1: {"2025-W44"}}, []),
        ("an unsent earlier claim wins (a send to retry)", "2025-W45", {"2025-W43"},
         {1: {"2025-W44"}}, []),
        ("an unsent later claim gives way", "2025-W44", {"2025-W43"}, {1: {"2025-W45"}}, [1]),
        ("its own week, not late", "2025-W43", {"2025-W43"}, {}, []),
        ("rebuilding the week that took it", "2025-W44", {"2025-W43"}, {1: {"2025-W44"}}, [1]),
    ],
)  # fmt: skip
def test_where_a_late_document_goes(
    case: str, week: str, sent: set[str], holders: dict[int, set[str]], expected: list[int]
) -> None:
    published = datetime(2025, 10, 24, 9, tzinfo=UTC)  # 2025-W43
    chosen = late_for(week, UTC_ZONE, frozenset(sent), [(1, published)], holders)
    assert chosen == expected, case


def test_late_stories_come_after_the_weeks_own_marked_in_both_parts() -> None:
    from bs4 import BeautifulSoup

    from flows.render.digest import render_digest
    from tests.support.email_lint import lint
    from tests.unit.test_render import digest, story

    rendered = render_digest(replace(digest(2), late=(story(7, sources=1),)))
    soup = BeautifulSoup(rendered.html, "html.parser")
    metas = [m.get_text() for m in soup.select(".story .meta")]
    assert metas[2].startswith("Late: published") and not any("Late" in m for m in metas[:2])
    head = soup.select_one(".late-head")
    assert head.get_text(" ", strip=True).startswith("Late arrivals")
    assert head.find_next("h2", class_="headline").get_text() == "Headline of story 7 & more <b>"
    assert soup.select_one(".footer").get_text() == (
        "2 documents this week and 1 that arrived late from earlier weeks, told as 3 stories."
    )
    text = rendered.text
    assert text.index("2. Headline of story 1") < text.index("LATE ARRIVALS") < text.index(
        "3. Headline of story 7")  # fmt: skip
    assert lint(rendered.html) == []
