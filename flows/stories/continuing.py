"""Stories that go on from an earlier week: what the decision (flows.stories.threads) is
shown of the earlier stories, and the links it makes, carried back to where a thread began."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

from flows.normalise import sections
from flows.records import Continuation, PastStory, StoredStory, Story
from flows.stories.embed import lead_text
from flows.stories.threads import continuations
from flows.text import key
from flows.weeks import parse_week

LOOK_BACK_WEEKS = 4  # the stored weeks searched for a story to continue


def look_back(week: str) -> str:
    """The first week searched for the stories `week` may continue."""
    year, number, _ = (parse_week(week) - timedelta(weeks=LOOK_BACK_WEEKS)).isocalendar()
    return f"{year}-W{number:02d}"


def link_stories(stories: Sequence[Story], earlier: Sequence[StoredStory]) -> list[Story]:
    """The stories, those that continue one of `earlier` linked to it; a link names the
    week the thread began, which is earlier still when that story continued one too."""
    stored = {(s.week, s.key): s for s in earlier if s.documents}
    decided = continuations(stories, [past_story(s) for s in stored.values()])
    linked = []
    for story in stories:
        past = decided.get(story.key)
        if past is None:
            linked.append(story)
            continue
        before = stored.get((past.week, past.key))
        first = before.continues.first_week if before and before.continues else past.week
        link = Continuation(week=past.week, key=past.key, headline=past.headline, first_week=first)
        linked.append(replace(story, continues=link))
    return linked


def relink(stories: Sequence[Story], links: Mapping[str, Continuation]) -> list[Story]:
    """A sent week's stories with the links they were sent with, whatever came since."""
    return [replace(story, continues=links.get(story.key)) for story in stories]


def past_story(stored: StoredStory) -> PastStory:
    """The stored story as the decision sees it: a newsletter member by the item the story
    told, not by all its items (the others belong to other stories)."""
    told = set(key(f"{stored.headline} {stored.extract}").split())
    texts = tuple(
        lead_text(d.title, _item(d.text, d.sections, told) if d.sections else d.text)
        for d in stored.documents
    )
    newest = max(d.published_at for d in stored.documents)
    return PastStory(stored.key, stored.week, stored.headline, texts, newest)


def _item(text: str, starts: Sequence[int], told: set[str]) -> str:
    """The newsletter's item sharing the most words with the story's headline and extract."""
    items = sections.split(text, starts)
    return max(items, key=lambda item: len(told & set(key(item).split())))
