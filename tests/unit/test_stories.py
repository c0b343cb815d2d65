"""Stories: grouping by shared distinctive terms, extracts of whole sentences, ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from flows.records import Sighting, StoredDocument
from flows.stories.build import (
    _join_sections,
    build_stories,
    extract,
    headline_of,
    independent_sources,
    make_story,
    rank,
    story_units,
)

DAY = datetime(2025, 10, 24, 12, tzinfo=UTC)


def doc(i: int, title: str, text: str, publisher: str = "", days: int = 0) -> StoredDocument:
    return StoredDocument(
        id=i, title=title, text=text, publisher=publisher, url=f"https://example.org/{i}",
        published_at=DAY + timedelta(days=days), date_how="metadata",
        sightings=(Sighting("files", f"{i}.txt", publisher, None, title),),
    )  # fmt: skip


VOLCANO = (
    "The Hekla volcano erupted near Reykjavik on Tuesday, sending ash over Iceland. "
    "Airlines cancelled flights from Keflavik as the plume drifted east."
)
VOLCANO_2 = (
    "Flights out of Keflavik were grounded after Hekla erupted, covering Reykjavik in ash. "
    "Iceland's met office warned the plume could last for days."
)
FOOTBALL = (
    "Arsenal beat Tottenham three to one at the Emirates in a derby full of chances. "
    "Saka scored twice before half time and Odegaard added a third."
)


def test_documents_sharing_distinctive_terms_form_one_story() -> None:
    stories = build_stories(
        [doc(1, "Hekla erupts", VOLCANO), doc(2, "Flights grounded", VOLCANO_2, days=1),
         doc(3, "Derby win", FOOTBALL)]
    )  # fmt: skip
    assert [sorted(d.id for d in s.documents) for s in stories] == [[1, 2], [3]]
    top = stories[0]
    assert top.headline == "Flights grounded"  # the newest member tells the latest
    assert top.url == "https://example.org/2"
    assert len(top.sources) == 2


def test_ranking_puts_more_sources_first_then_newer() -> None:
    stories = build_stories(
        [doc(1, "Derby win", FOOTBALL, days=3), doc(2, "Hekla erupts", VOLCANO),
         doc(3, "Flights grounded", VOLCANO_2)]
    )  # fmt: skip
    assert [sorted(d.id for d in s.documents) for s in stories] == [[2, 3], [1]]


def test_one_publisher_counts_once() -> None:
    stories = build_stories(
        [doc(1, "Hekla erupts", VOLCANO, "Wire"), doc(2, "Flights grounded", VOLCANO_2, "Wire")]
    )
    assert independent_sources(stories[0]) == 1


def test_story_keys_are_stable_whatever_the_order() -> None:
    docs = [doc(1, "Hekla erupts", VOLCANO), doc(2, "Flights grounded", VOLCANO_2)]
    assert build_stories(docs)[0].key == build_stories(docs[::-1])[0].key


def test_extracts_are_whole_sentences_from_the_lead() -> None:
    text = (
        "Key Highlights\n\n• A bullet that is not a lead.\n\n"
        "The first sentence of the lead paragraph is here and long enough to count. "
        "The second one follows it. The third one ends the extract. The fourth is left out."
    )
    assert extract(text) == (
        "The first sentence of the lead paragraph is here and long enough to count. "
        "The second one follows it. The third one ends the extract."
    )


def test_a_long_first_sentence_is_kept_whole() -> None:
    long_sentence = "Word " * 90 + "end."
    assert extract(long_sentence + " Next sentence.") == long_sentence.strip()


def newsletter(i: int, paragraphs: list[str], starts: tuple[int, ...]) -> StoredDocument:
    text = "\n\n".join(paragraphs)
    return replace(doc(i, "Harbour Notes", text, "Harbour Notes"), sections=starts)


def test_newsletter_items_keep_the_editors_order_on_a_ranking_tie() -> None:
    letter = newsletter(1, [FOOTBALL, VOLCANO], (0, 1))
    units = story_units([letter])
    assert [u.item for u in units] == [0, 1]
    stories = rank([make_story([u]) for u in reversed(units)])
    assert [s.documents[0].item for s in stories] == [0, 1]  # the lead item leads


def test_a_newsletter_item_is_titled_by_its_heading_or_its_lead_clause() -> None:
    letter = newsletter(
        1,
        ["Derby day", FOOTBALL, "Meanwhile in Iceland, " + VOLCANO[4].lower() + VOLCANO[5:]],
        (0, 2),
    )
    first, second = story_units([letter])
    assert (first.title, first.text) == ("Derby day", FOOTBALL)
    assert second.title == "Hekla volcano erupted near Reykjavik on Tuesday"
    assert [s.title for s in second.sightings] == [second.title]  # what "also covered" shows


def test_a_page_title_over_an_unheaded_first_item_titles_it() -> None:
    page = replace(newsletter(1, [VOLCANO, "Derby day", FOOTBALL], (0, 1)), title="Hekla erupts")
    first, second = story_units([page])
    assert (first.title, second.title) == ("Hekla erupts", "Derby day")
    # a title that names another item better (a letter's subject line) does not
    page = replace(page, title="Derby day and a volcano: Arsenal, Tottenham, the Emirates")
    assert story_units([page])[0].title == "The Hekla volcano erupted near Reykjavik on Tuesday"


def test_items_of_one_story_join_each_under_its_own_heading() -> None:
    letter = newsletter(1, ["Hekla erupts", VOLCANO, "Flights grounded", VOLCANO_2], (0, 2))
    (member,) = _join_sections(story_units([letter]))
    assert member.text == f"{VOLCANO}\n\nFlights grounded\n\n{VOLCANO_2}"


def test_a_section_label_in_capitals_gives_way_to_the_lead_clause() -> None:
    letter = newsletter(1, ["IN THE NORTH", VOLCANO, "IN THE STADIUM", FOOTBALL], (0, 2))
    titles = [u.title for u in story_units([letter])]
    assert titles == [
        "The Hekla volcano erupted near Reykjavik on Tuesday",
        "Arsenal beat Tottenham three to one at the Emirates in a derby full of chances",
    ]


def test_a_folded_copy_from_another_publisher_counts_as_a_source() -> None:
    original = doc(1, "Hekla erupts", VOLCANO, "Wire")
    copy = replace(doc(2, "Hekla erupts", VOLCANO, "Island Times"), duplicate_of=1)
    single = doc(3, "Derby win", FOOTBALL, "Sports Daily", days=2)  # newer, one source
    stories = build_stories([original, copy, single])
    assert independent_sources(stories[0]) == 2
    assert [d.id for d in stories[0].documents] == [1]


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("Hekla erupts", "Hekla erupts"),
        ("The hekla volcano erupted near Reykjavik on Tuesday, sending…",
         "The Hekla volcano erupted near Reykjavik on Tuesday"),
        ("“The ash will stay for days,” the met office said.",
         "The Hekla volcano erupted near Reykjavik on Tuesday"),
        ("The Reykjavik Courier - Tuesday, October 21, 2025",
         "The Hekla volcano erupted near Reykjavik on Tuesday"),
    ],
)  # fmt: skip
def test_a_headline_is_a_title_a_reader_can_trust(title: str, headline: str) -> None:
    assert headline_of(doc(1, title, VOLCANO)) == headline


def test_the_extract_does_not_repeat_the_headline() -> None:
    story = make_story([doc(1, "The hekla volcano erupted…", VOLCANO)])
    assert story.headline == "The Hekla volcano erupted near Reykjavik on Tuesday"
    assert story.extract == "Airlines cancelled flights from Keflavik as the plume drifted east."


def test_the_extract_leaves_out_pull_quotes_and_promotions() -> None:
    text = (
        "“Nothing will fly today,” a pilot said at the airport.\n\n"
        + VOLCANO
        + " Learn more in our volcano series, with maps of every eruption since 1900."
    )
    assert extract(text, "Hekla erupts") == VOLCANO


@pytest.mark.parametrize(
    ("text", "title", "wanted"),
    [
        # a headline of two sentences, repeated in the text, is not repeated in the extract
        ("So much for the derby. It was not even close. " + FOOTBALL,
         "So much for the derby. It was not even close", FOOTBALL.split(". ")[0] + "."),
        # only bullets: the bullets that do not repeat the headline
        ("• Hekla erupted near Reykjavik on Tuesday.\n\n• Airlines cancelled flights.",
         "Hekla erupted near Reykjavik on Tuesday", "Airlines cancelled flights."),
        # only short lines
        ("Winds reached 150 km/h. Schools closed.", "Storm hits the coast",
         "Winds reached 150 km/h. Schools closed."),
    ],
)  # fmt: skip
def test_an_extract_never_repeats_its_headline(text: str, title: str, wanted: str) -> None:
    assert extract(text, title).startswith(wanted)
