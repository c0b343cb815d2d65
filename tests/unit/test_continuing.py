"""Stories that continue an earlier week's: the links made, carried back to where a thread
began, and shown in both parts of the email and in the JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup

from flows.records import Continuation, PastStory, Sighting, StoredDocument, StoredStory, Story
from flows.render.digest import digest_to_json, render_digest
from flows.stories.build import build_stories
from flows.stories.continuing import link_stories, look_back, past_story, relink
from tests.support.email_lint import lint
from tests.unit.test_render import digest

# Written for these tests: one strike told in two weeks, and an unrelated story.
STRIKE_BEGINS = """Rotterdam harbour pilots strike over night rosters

Harbour pilots at the Port of Rotterdam stopped work on Wednesday in a dispute over night
rosters, leaving tankers and container ships waiting off Hoek van Holland. The pilots'
association Loodswezen said its members would not guide vessels into the Maasvlakte
terminals until the Port of Rotterdam Authority reviewed rest periods.

Shipping agents in Rotterdam counted twenty vessels at anchor by the evening, and the
Dutch transport minister, Barry Madlener, urged Loodswezen and the port authority to meet."""

STRIKE_GOES_ON = """Rotterdam pilots' strike enters its second week as talks stall

The strike by harbour pilots at the Port of Rotterdam went into a second week on Monday
after talks between Loodswezen and the Port of Rotterdam Authority broke off over night
rosters and rest periods. More than sixty vessels now wait off Hoek van Holland.

Barry Madlener, the transport minister, said he would call Loodswezen and the port
authority to The Hague, while terminal operators at Maasvlakte warned of empty berths."""

UNRELATED = """Lyon museum reopens its Roman gallery after a year of repairs

The Lugdunum museum in Lyon reopened its Roman gallery on Tuesday after a year of repairs
to the roof, with the bronze Claudian tablet back on show beside new mosaics found on the
Fourviere hill. The curator, Claire Iselin, said visitors could book free evening tours.

The city of Lyon paid for most of the work, and the museum expects school groups from
across the Rhone valley to return once the winter term begins in January."""

W43 = datetime(2025, 10, 25, 9, tzinfo=UTC)  # a Saturday
W44 = datetime(2025, 10, 27, 9, tzinfo=UTC)  # the Monday after: the strike goes on


def document(number: int, text: str, published: datetime) -> StoredDocument:
    title, _, body = text.partition("\n\n")
    sighting = Sighting("feed", f"item-{number}", "Port Wire", None, title)
    return StoredDocument(number, title, body, "Port Wire", None, published, "feed", (sighting,))


def stored(
    week: str, number: int, text: str, published: datetime, continues: Continuation | None = None
) -> StoredStory:
    """An earlier week's story of one document, as the store gives it back."""
    [story] = build_stories([document(number, text, published)])
    return StoredStory(week, story.key, story.headline, story.extract, story.documents, continues)


def test_a_story_that_goes_on_is_linked_and_an_unrelated_one_is_not() -> None:
    earlier = [stored("2025-W43", 1, STRIKE_BEGINS, W43)]
    stories = build_stories([document(2, STRIKE_GOES_ON, W44), document(3, UNRELATED, W44)])
    linked = {s.headline: s.continues for s in link_stories(stories, earlier)}
    assert linked == {
        "Rotterdam pilots' strike enters its second week as talks stall": Continuation(
            "2025-W43", earlier[0].key, "Rotterdam harbour pilots strike over night rosters",
            "2025-W43",
        ),
        "Lyon museum reopens its Roman gallery after a year of repairs": None,
    }  # fmt: skip


def test_nothing_is_linked_to_a_story_long_gone_quiet() -> None:
    earlier = [stored("2025-W39", 1, STRIKE_BEGINS, W43 - timedelta(weeks=5))]
    stories = build_stories([document(2, STRIKE_GOES_ON, W44)])
    assert [s.continues for s in link_stories(stories, earlier)] == [None]


def test_a_thread_is_named_by_the_week_it_began() -> None:
    begun = Continuation("2025-W42", "k42", "Pilots vote to strike", "2025-W42")
    earlier = [stored("2025-W43", 1, STRIKE_BEGINS, W43, continues=begun)]
    [story] = link_stories(build_stories([document(2, STRIKE_GOES_ON, W44)]), earlier)
    assert story.continues is not None
    assert (story.continues.week, story.continues.first_week) == ("2025-W43", "2025-W42")


def test_a_sent_week_keeps_its_links_and_only_those() -> None:
    stories = build_stories([document(2, STRIKE_GOES_ON, W44), document(3, UNRELATED, W44)])
    link = Continuation("2025-W43", "k43", "Strike", "2025-W43")
    kept = relink(stories, {stories[0].key: link})
    assert [s.continues for s in kept] == [link, None]


def test_a_newsletter_member_is_shown_by_the_item_its_story_told() -> None:
    letter = replace(
        document(1, f"Weekly letter\n\n{UNRELATED.partition(chr(10) * 2)[2]}\n\n{STRIKE_BEGINS}",
                 W43),
        sections=(0, 2),
    )  # fmt: skip
    headline = "Rotterdam harbour pilots strike over night rosters"
    extract = "Harbour pilots at the Port of Rotterdam stopped work."
    story = StoredStory("2025-W43", "k", headline, extract, (letter,))
    past = past_story(story)
    assert past == PastStory("k", "2025-W43", story.headline, past.texts, W43)
    [text] = past.texts
    assert "Loodswezen" in text and "Lugdunum" not in text


def test_the_look_back_spans_four_weeks_across_a_new_year() -> None:
    assert look_back("2025-W43") == "2025-W39"
    assert look_back("2026-W02") == "2025-W50"


def continuing(first_week: str = "2025-W42") -> Story:
    [story] = digest(1).stories
    link = Continuation("2025-W43", "k43", "Pilots strike at Rotterdam", first_week)
    return replace(story, continues=link)


def test_a_continuing_story_names_its_first_week_and_links_its_page() -> None:
    pages = {"2025-W42": "https://digest.example.org/2025-W42.html"}
    rendered = render_digest(replace(digest(2), stories=(continuing(), digest(2).stories[1])),
                             week_url=pages.get)  # fmt: skip
    soup = BeautifulSoup(rendered.html, "html.parser")
    [thread] = soup.select(".story .thread")
    assert thread.get_text(" ", strip=True) == (
        "Continuing: first reported in week 2025-W42 ; in week 2025-W43 as "
        "“Pilots strike at Rotterdam”"
    )
    assert thread.a["href"] == pages["2025-W42"]
    assert thread.find_parent(class_="story").select_one(".headline").get_text() == (
        "Headline of story 0 & more <b>"
    )
    assert lint(rendered.html) == []
    text = rendered.text
    [number] = [line.split("]")[0][1:] for line in text.splitlines()
                if line.endswith(f"] {pages['2025-W42']}")]  # fmt: skip
    assert f"Continuing: first reported in week 2025-W42 [{number}]; in week 2025-W43" in text
    assert text.count("Continuing:") == 1


def test_without_an_archive_the_week_is_named_without_a_link() -> None:
    rendered = render_digest(replace(digest(1), stories=(continuing("2025-W43"),)))
    thread = BeautifulSoup(rendered.html, "html.parser").select_one(".thread")
    assert thread.get_text(" ", strip=True) == (
        "Continuing: first reported in week 2025-W43 as “Pilots strike at Rotterdam”"
    )
    assert thread.a is None
    assert 'Continuing: first reported in week 2025-W43 as "Pilots strike at' in rendered.text
    assert "Links:" in rendered.text and "2025-W43.html" not in rendered.text


def test_the_json_lists_the_story_it_continues() -> None:
    data = json.loads(json.dumps(digest_to_json(replace(digest(2), stories=(
        continuing(), digest(2).stories[1])))))  # fmt: skip
    assert [s["continues"] for s in data["stories"]] == [
        {"week": "2025-W43", "key": "k43", "headline": "Pilots strike at Rotterdam",
         "first_week": "2025-W42"},
        None,
    ]  # fmt: skip
