"""Each digest's pick of the week's stories (flows.stories.select): its sources, include
and exclude words and sources, ranked again over what it kept."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.records import Sighting, StoredDocument
from flows.stories.build import make_story
from flows.stories.select import Rules, may_take, select_stories

DAY = datetime(2025, 10, 22, 9, tzinfo=UTC)


def doc(number: int, title: str, text: str, *sources: str) -> StoredDocument:
    seen = tuple(Sighting(s, f"{s}-{number}", s.title(), f"https://{s}.example/{number}", title)
                 for s in sources)  # fmt: skip
    return StoredDocument(number, title, text, "", None, DAY, "feed", seen)


CHIPS = make_story([
    doc(1, "Foundry opens a new semiconductor plant in Arizona",
        "The foundry opened its plant on Wednesday, with chips made at the newest node.", "wire"),
    doc(2, "Arizona gets its chip plant at last",
        "After two years of building, the Arizona chip plant opened on Wednesday.", "seeds"),
])  # fmt: skip
FOOTBALL = make_story([
    doc(3, "League tests sensors in football boots",
        "The league will test semiconductor sensors in boots next season.", "wire"),
])  # fmt: skip
TRADE = make_story([
    doc(4, "Trade talks begin in Kuala Lumpur",
        "Negotiators met in Kuala Lumpur on Saturday ahead of the summit.", "seeds"),
])  # fmt: skip
WEEK = [CHIPS, TRADE, FOOTBALL]


def headlines(stories) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.headline for s in stories]


def test_no_rules_keep_the_week_as_it_is() -> None:
    assert select_stories(WEEK, Rules()) == WEEK


def test_a_digest_of_some_sources_shows_only_what_they_carried() -> None:
    picked = select_stories(WEEK, Rules(sources=("seeds",)))
    assert sorted(headlines(picked)) == ["Arizona gets its chip plant at last", TRADE.headline]
    assert {s.source for story in picked for s in story.sources} == {"seeds"}
    # The story lost a member: made again from the rest, under another key.
    assert CHIPS.key not in {s.key for s in picked}


def test_include_words_keep_only_the_stories_that_say_them_whole() -> None:
    picked = select_stories(WEEK, Rules(include_words=("Semiconductor",)))
    assert headlines(picked) == [CHIPS.headline, FOOTBALL.headline]
    assert select_stories(WEEK, Rules(include_words=("chi",))) == []  # words match whole
    assert headlines(select_stories(WEEK, Rules(include_words=("kuala lumpur",)))) == [
        TRADE.headline
    ]


def test_exclude_words_drop_a_story_and_excluded_sources_lose_their_sightings() -> None:
    picked = select_stories(WEEK, Rules(exclude_words=("football",)))
    assert headlines(picked) == [CHIPS.headline, TRADE.headline]
    picked = select_stories(WEEK, Rules(exclude_sources=("wire",)))
    assert [len(s.sources) for s in picked] == [1, 1]
    assert FOOTBALL.headline not in headlines(picked)


def test_an_included_source_keeps_its_stories_beside_the_words() -> None:
    rules = Rules(include_words=("kuala lumpur",), include_sources=("wire",),
                  exclude_words=("boots",))  # fmt: skip
    assert headlines(select_stories(WEEK, rules)) == [CHIPS.headline, TRADE.headline]


def test_late_documents_are_judged_alone_before_they_are_grouped() -> None:
    documents = [d for story in WEEK for d in story.documents]
    rules = Rules(sources=("wire",), include_words=("semiconductor",), exclude_words=("boots",))
    assert [d.id for d in may_take(documents, rules)] == [1]
    assert may_take(documents, Rules()) == documents
