"""Roundups known by their shape: headed sections each with a subject of its own, questions
each followed by its answer, a section of briefs about different things, and where each item
begins; articles with subheadings or short paragraphs stay whole."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.normalise.documents import normalise_items
from flows.normalise.roundups import brief_runs, roundup_starts, sections
from flows.records import RawItem, Sighting, StoredDocument
from flows.stories.build import story_units

# Three stories about different places and people (written for these tests).
FERRY = (
    "A ferry carrying 240 passengers ran aground off Hvar on Tuesday morning, and coastguard "
    "boats from Split took everyone ashore within three hours, Croatian officials said."
)
FERRY_2 = (
    "The operator Jadrolinija said the captain had reported a steering fault minutes before "
    "the ship touched the rocks, and divers were inspecting the hull on Wednesday."
)
ORCHESTRA = (
    "The Lyon Philharmonic named Ingrid Solberg its music director from next season, the "
    "first woman to lead the orchestra, after Pierre Vautrin retired in the spring."
)
ORCHESTRA_2 = (
    "Solberg, who trained in Bergen and Vienna, plans to open her first season with a cycle "
    "of Sibelius symphonies and a new commission for the hall's organ."
)
HARVEST = (
    "Farmers in Manitoba brought in the smallest wheat harvest in a decade after a dry "
    "August, and the Canadian Grain Commission cut its export forecast by a fifth."
)
HARVEST_2 = (
    "Manitoba traders said canola held up better than wheat, although prices at the Thunder "
    "Bay terminal fell for a third week as barges waited for loads."
)
# One story told under subheadings: every section names the same ship and harbour.
WRECK = (
    "The cargo ship Marta Bell sank outside Rotterdam harbour on Friday after a collision "
    "with a dredger, and the port authority closed the western channel."
)
WRECK_CREW = (
    "All eleven crew of the Marta Bell were lifted off by helicopter; the Rotterdam port "
    "authority said two were treated for hypothermia and released."
)
WRECK_NEXT = (
    "Salvage teams hired by the owners of the Marta Bell expect to refloat her within a "
    "month, and Rotterdam pilots are guiding ships through the eastern channel meanwhile."
)
# Short paragraphs of one report, each from another place: an article, no heading above.
STORM = [
    "The Ebro burst its banks in Zaragoza on Monday night, flooding the riverside "
    "market and forcing the closure of two bridges into the old town.",
    "Firefighters in Huesca used boats to reach villagers cut off near Barbastro, where the "
    "Cinca rose four metres in a day after the heaviest rain since records began.",
    "On the coast at Tarragona the wind brought down power lines, and about 30,000 homes "
    "were without electricity until Tuesday afternoon, the utility Endesa said.",
]


@pytest.mark.parametrize(
    ("paragraphs", "starts"),
    [
        # headed sections, each with names of its own: cut at each heading
        (
            ["Morning briefing", "Ferry aground off Hvar", FERRY, FERRY_2,
             "Lyon picks a new conductor", ORCHESTRA, ORCHESTRA_2],
            (0, 1, 4),
        ),
        # a photo credit under a title: the item starts at the title, which names its text
        (
            ["Ferry aground off Hvar", "Ivo Maric/Coast Agency", FERRY, FERRY_2,
             "Lyon picks a new conductor", "Studio Lumen", ORCHESTRA, ORCHESTRA_2],
            (0, 4),
        ),
        # outlets each followed by their headline, as on a page of the day's front pages
        (
            ["Front pages of the day", "Adriatic Herald: Ferry aground off Hvar", FERRY,
             "Prairie Times: Smallest wheat harvest in a decade", HARVEST, HARVEST_2],
            (0, 1, 3),
        ),
        # questions each followed by its answer, about different subjects
        (
            ["• What happened to the ferry off Hvar?", "• " + FERRY,
             "• Why is the Manitoba wheat harvest so small?", "• " + HARVEST,
             "• Who will lead the Lyon Philharmonic?", "• " + ORCHESTRA],
            (0, 2, 4),
        ),
        # a summary that names every item, then the headed items: the summary is no subject
        (
            ["Today: a ferry off Hvar, wheat in Manitoba, a new conductor in Lyon",
             "Ferry aground off Hvar", FERRY, "Smallest wheat harvest in Manitoba", HARVEST,
             "Lyon picks a new conductor", ORCHESTRA],
            (0, 1, 3, 5),
        ),
        # a section of briefs about different things under a heading, then a headed story
        (
            ["World", FERRY, ORCHESTRA, HARVEST, "Ferry operator blames steering", FERRY_2,
             FERRY],
            (0, 1, 2, 3, 4),
        ),
        # an article under subheadings: its sections name the same ship and port
        (["Rescue", WRECK, WRECK_CREW, "What comes next", WRECK_NEXT, WRECK_CREW], ()),
        (["How it happened", WRECK, "The crew", WRECK_CREW, "Salvage", WRECK_NEXT], ()),
        # a heading that names nothing of its text (a pun, a reading time) titles no item
        (["3 min read", FERRY, FERRY_2, "Sea of troubles", ORCHESTRA, ORCHESTRA_2], ()),
        # short paragraphs from several places, under no heading: one report
        (STORM, ()),
        ([FERRY, ORCHESTRA, HARVEST], ()),
        # two briefs are no run: any article has two unrelated paragraphs in a row
        (["World", FERRY, ORCHESTRA], ()),
        ([WRECK, WRECK_CREW, WRECK_NEXT], ()),
    ],
)  # fmt: skip
def test_roundup_starts(paragraphs: list[str], starts: tuple[int, ...]) -> None:
    assert roundup_starts(paragraphs) == starts


def test_sections_start_at_the_line_that_names_their_text() -> None:
    paragraphs = ["Ferry aground off Hvar", "Coast Agency", FERRY, "Note", "Lyon", ORCHESTRA]
    assert sections(paragraphs) == [(0, 3), (4, 6)]


@pytest.mark.parametrize(
    ("paragraphs", "briefs"),
    [
        (["In brief", FERRY, ORCHESTRA, HARVEST], [1, 2, 3]),
        (["In brief", FERRY, ORCHESTRA, HARVEST, "Sport"], [1, 2, 3]),
        # the run ends before the section does: a paragraph that goes on with one of them
        (["In brief", FERRY, ORCHESTRA, HARVEST, HARVEST_2], []),
        # briefs that name one another's subject are one story's paragraphs
        (["In brief", WRECK, WRECK_CREW, WRECK_NEXT], []),
        (["In brief", '"' + FERRY + '"', ORCHESTRA, HARVEST], []),  # a quotation is no brief
    ],
)
def test_brief_runs(paragraphs: list[str], briefs: list[int]) -> None:
    assert brief_runs(paragraphs) == briefs


def _units(text: str) -> list[StoredDocument]:
    item = RawItem(
        "files", "page.txt", text.encode(), "text/plain", datetime(2025, 3, 3, tzinfo=UTC)
    )
    (doc,), failures = normalise_items([item], {}, ZoneInfo("UTC"))
    assert not failures
    sighting = Sighting(doc.source, doc.identity, doc.publisher, doc.url, doc.title)
    stored = StoredDocument(
        id=1, title=doc.title, text=doc.text, publisher="", url=None,
        published_at=doc.published_at, date_how=doc.date_how, sightings=(sighting,),
        sections=doc.sections,
    )  # fmt: skip
    return story_units([stored])


def test_a_roundup_page_gives_one_story_unit_per_item() -> None:
    """Through normalise and story_units: no greeting, no unsubscribe line, still cut."""
    page = "\n\n".join(
        ["Daily world roundup", "World", FERRY, ORCHESTRA, HARVEST,
         "Ferry operator blames steering", FERRY_2, FERRY]
    )  # fmt: skip
    units = _units(page)
    assert [u.text.split()[:3] for u in units] == [
        FERRY.split()[:3],
        ORCHESTRA.split()[:3],
        HARVEST.split()[:3],
        FERRY_2.split()[:3],
    ]
    assert units[3].title == "Ferry operator blames steering"
    assert [u.item for u in units] == [0, 1, 2, 3]


def test_questions_lead_items_and_are_not_their_headlines() -> None:
    page = "\n\n".join(
        ["Three questions on the week", "• What happened to the ferry off Hvar?", "• " + FERRY,
         "• Why is the Manitoba wheat harvest so small?", "• " + HARVEST]
    )  # fmt: skip
    units = _units(page)
    assert len(units) == 2
    assert not any(u.title.endswith("?") for u in units)
    assert units[1].title.startswith("Farmers in Manitoba")


def test_an_article_with_subheadings_stays_whole() -> None:
    page = "\n\n".join(["Cargo ship sinks off Rotterdam", WRECK, "The crew", WRECK_CREW,
                        "Salvage", WRECK_NEXT])  # fmt: skip
    assert len(_units(page)) == 1
