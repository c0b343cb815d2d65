"""A story that goes on into the next week: linked to the sent week's story, stored with its
link, shown in the email and the preview's JSON; the sent week is neither changed nor resent."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from db import models
from db import threads as thread_store
from db.engine import session_scope
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from flows.pipeline.preview import preview_week
from flows.settings import load_settings
from tests.conftest import write_config
from tests.integration.test_flows import latest_artifact
from tests.integration.test_late import stored_digest
from tests.unit.test_continuing import STRIKE_BEGINS, STRIKE_GOES_ON, UNRELATED

BASE = "https://digest.example.org"
BEGINS, GOES_ON, OTHER = (text.partition("\n")[0] for text in (STRIKE_BEGINS, STRIKE_GOES_ON,
                                                                UNRELATED))  # fmt: skip


def add_file(seeds: Path, name: str, text: str, published: str) -> None:
    (seeds / name).write_text(text, encoding="utf-8")
    with (seeds / "metadata.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n["{name}"]\npublished = {published}\npublisher = "Port Wire"\n')


def stored_links(url: str, week: str) -> dict[str, tuple[str | None, ...]]:
    """Headline -> (key, continues_week, continues_key, first_week) of the week's stories."""
    with session_scope(url) as session:
        rows = session.scalars(select(models.Story).where(models.Story.week == week))
        return {
            row.headline: (row.key, row.continues_week, row.continues_key, row.first_week)
            for row in rows
        }


def sent_copies(outbox: Path, week: str) -> list[str]:
    return sorted(p.name for p in outbox.glob(f"{week}_*.eml"))


@pytest.mark.usefixtures("prefect_harness")
def test_a_story_going_on_is_linked_to_its_sent_week_which_stays_as_sent(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    config = write_config(tmp_path, database_url, seeds_copy, base_url=BASE)
    outbox = tmp_path / "outbox"
    add_file(seeds_copy, "005_strike.txt", STRIKE_BEGINS, "2025-10-25")
    _, [w43] = backfill_flow("2025-W43", "2025-W43", ingest=True, config=str(config))
    assert (w43.status, w43.documents) == ("sent", 4)
    w43_digest, w43_stories = stored_digest(database_url, "2025-W43"), stored_links(
        database_url, "2025-W43")  # fmt: skip
    strike_key = w43_stories[BEGINS][0]
    assert all(link == [None, None, None] for _, *link in w43_stories.values())
    # What a later week reads to link to: only the stories told since a given moment.
    since = datetime(2025, 10, 25, tzinfo=UTC)
    with session_scope(database_url) as session:
        everything = thread_store.stored_stories(session, "2025-W43", "2025-W44")
        recent = thread_store.stored_stories(session, "2025-W43", "2025-W44", newest_from=since)
    told_since = [s for s in everything if max(d.published_at for d in s.documents) >= since]
    assert recent == told_since and len(recent) < len(everything)
    assert BEGINS in {s.headline for s in recent}

    add_file(seeds_copy, "006_strike.txt", STRIKE_GOES_ON, "2025-10-27")
    add_file(seeds_copy, "007_museum.txt", UNRELATED, "2025-10-28")
    sources, [w44] = weekly_flow(week="2025-W44", config=str(config))
    assert sources[0].new == 2
    assert (w44.status, w44.stories, w44.documents, w44.sent) == ("sent", 2, 2, 1)

    # Stored with its link; the unrelated story has none.
    links = {headline: tuple(link) for headline, (_, *link) in
             stored_links(database_url, "2025-W44").items()}  # fmt: skip
    assert links == {
        GOES_ON: ("2025-W43", strike_key, "2025-W43"),
        OTHER: (None, None, None),
    }

    # Shown as continuing in both parts, with a link to the first week's archive page.
    [eml] = sent_copies(outbox, "2025-W44")
    message = email.message_from_bytes((outbox / eml).read_bytes(), policy=policy.default)
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    [thread] = html.select(".thread")
    assert thread.get_text(" ", strip=True) == (
        f"Continuing: first reported in week 2025-W43 as “{BEGINS}”"
    )
    assert thread.a["href"] == f"{BASE}/2025-W43.html"
    assert thread.find_previous(class_="headline").get_text(strip=True) == GOES_ON
    plain = message.get_body(("plain",)).get_content()
    [number] = [line.split("]")[0][1:] for line in plain.splitlines()
                if line.endswith(f"] {BASE}/2025-W43.html")]  # fmt: skip
    assert f"Continuing: first reported in week 2025-W43 [{number}] as" in plain

    assert f"| {GOES_ON} (continuing from 2025-W43) |" in latest_artifact("digest-2025-w44")

    # Listed in the preview's JSON.
    preview = json.loads(preview_week(load_settings(config), "2025-W44", "json"))
    assert {s["headline"]: s["continues"] for s in preview["stories"]} == {
        GOES_ON: {"week": "2025-W43", "key": strike_key, "headline": BEGINS,
                  "first_week": "2025-W43"},
        OTHER: None,
    }  # fmt: skip

    # The sent week is not reopened: a rerun sends nothing and holds what it held.
    _, [again] = weekly_flow(week="2025-W43", ingest=False, config=str(config))
    assert again.status == "already sent"
    assert stored_digest(database_url, "2025-W43") == w43_digest
    assert stored_links(database_url, "2025-W43") == w43_stories
    assert len(sent_copies(outbox, "2025-W43")) == 1
    # And the week that continued it keeps its link when it is run again.
    w44_digest = stored_digest(database_url, "2025-W44")
    _, [again] = weekly_flow(week="2025-W44", ingest=False, config=str(config))
    assert again.status == "already sent"
    assert stored_digest(database_url, "2025-W44") == w44_digest
    assert sent_copies(outbox, "2025-W44") == [eml]
