"""Continuing stories: the same event told on into a new week is linked to the earlier
week's story; a later development, another subject or an old story is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.records import Sighting, StoredDocument, Story
from flows.stories.threads import PastStory, continuations, continued_from
from tests.unit.test_cluster import AID, CALL, CALL_2, CALL_3, QUAKE

SUNDAY = datetime(2025, 10, 26, 18, tzinfo=UTC)  # the last day of 2025-W43


def story(key: str, texts: list[str], at: datetime) -> Story:
    documents = tuple(
        StoredDocument(
            id=n,
            title="",
            text=text,
            publisher="",
            url=None,
            published_at=at,
            date_how="feed",
            sightings=(Sighting("s", f"{key}{n}", "", None, ""),),
        )
        for n, text in enumerate(texts)
    )
    return Story(key=key, headline="", url=None, extract="", published_at=at, documents=documents)


def past(key: str, texts: list[str], at: datetime) -> PastStory:
    return PastStory(key, "2025-W43", "", tuple(f"\n\n{t}" for t in texts), at)


def test_the_same_event_told_on_the_next_day_continues() -> None:
    before = past("call", [CALL, CALL_2], SUNDAY)
    found = continuations([story("now", [CALL_3], SUNDAY + timedelta(days=1))], [before])
    assert found == {"now": before}


def test_a_later_development_or_another_subject_does_not() -> None:
    earlier = [past("call", [CALL, CALL_2], SUNDAY), past("quake", [QUAKE], SUNDAY)]
    stories = [
        story("late", [CALL_3], SUNDAY + timedelta(days=6)),  # told alike, a week on
        story("aid", [AID], SUNDAY + timedelta(days=1)),  # the same leaders, another subject
    ]
    assert continuations(stories, earlier) == {}


def test_the_closest_earlier_story_is_chosen() -> None:
    earlier = [past("quake", [QUAKE], SUNDAY), past("call", [CALL, CALL_2], SUNDAY)]
    found = continuations([story("now", [CALL_3], SUNDAY + timedelta(days=1))], earlier)
    assert found["now"].key == "call"


def test_nothing_to_continue() -> None:
    assert continuations([], [past("call", [CALL], SUNDAY)]) == {}
    assert continuations([story("now", [CALL], SUNDAY)], []) == {}


def test_what_can_be_continued_was_told_since_continued_from() -> None:
    """The earlier stories a week reads to link to (those told since `continued_from`)
    hold every story it could continue."""
    now = story("now", [CALL_3], SUNDAY + timedelta(days=1))
    for hours in (0, 71, 72, 73, 100):
        before = past("call", [CALL, CALL_2], now.published_at - timedelta(hours=hours))
        continued = continuations([now], [before]) == {"now": before}
        assert continued == (hours <= 72)
        assert continued == (before.published_at >= continued_from([now]))
