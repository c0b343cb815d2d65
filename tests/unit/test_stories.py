"""Stories: grouping by shared distinctive terms, extracts of whole sentences, ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.records import Sighting, StoredDocument
from flows.stories.build import build_stories, extract, independent_sources

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
