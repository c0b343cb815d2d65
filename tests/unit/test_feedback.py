"""Feedback links signed per reader, and a reader's digest shaped by what they said: a muted
source never shows; a story they wanted less of is cut, with its sequel, and alike ones go last."""

from __future__ import annotations

from dataclasses import replace

from bs4 import BeautifulSoup

from flows.records import Continuation, Digest, Feedback, Sighting
from flows.render import links
from flows.render.digest import publisher_of, render_digest
from flows.stories.build import build_stories
from flows.stories.preferences import for_reader, profile
from tests.unit.test_continuing import STRIKE_BEGINS, STRIKE_GOES_ON, UNRELATED, W43, W44, document

BASE = "https://digest.example.org"
SECRET = "the-reader-secret"
PORT_FIGURES = """Port of Rotterdam handled record container volumes in the third quarter

The Port of Rotterdam Authority said on Thursday that its Maasvlakte terminals handled a
record number of containers between July and September, helped by new shipping lines from
Asia. Boudewijn Siemons, the authority's chief executive, expects more growth next year as
rail links to Germany improve and two new cranes arrive at the terminals."""


def test_a_link_holds_for_its_reader_and_action_only() -> None:
    key = links.reader_key(7, SECRET, "mute", links.encode_value("Port Wire"))
    assert links.reader_of(key) == 7
    assert links.verify(key, SECRET, "mute", links.encode_value("Port Wire"))
    assert not links.verify(key, SECRET, "mute", links.encode_value("Other Wire"))
    assert not links.verify(key, "another-reader", "mute", links.encode_value("Port Wire"))
    assert not links.verify(key, SECRET, "manage")
    assert links.decode_value(links.encode_value("Ünïcode & Co")) == "Ünïcode & Co"
    assert links.reader_of("x.y") is None and links.reader_of("12") is None


def test_a_shared_rendering_is_signed_for_each_reader_in_both_parts() -> None:
    stories = build_stories([document(1, STRIKE_BEGINS, W43), document(2, UNRELATED, W43)])
    week = Digest("2025-W43", "Weekly digest", W43, W44, tuple(stories), 2)
    shared = render_digest(week, feedback_base=BASE)
    assert shared.html.count(links.PLACEHOLDER) == 5  # two stories' two links, and manage
    signed = links.sign_rendering(shared, 7, SECRET)
    assert links.PLACEHOLDER not in signed.html + signed.text
    hrefs = [a["href"] for a in BeautifulSoup(signed.html, "html.parser").select("a")]
    mute = links.feedback_url(
        BASE,
        "mute",
        links.encode_value("Port Wire"),
        links.reader_key(7, SECRET, "mute", links.encode_value("Port Wire")),
    )
    manage = links.manage_url(BASE, links.reader_key(7, SECRET, "manage"))
    assert mute in hrefs and manage in hrefs and mute in signed.text and manage in signed.text
    less = [h for h in hrefs if "a=less" in h]
    assert less[0].endswith(links.reader_key(7, SECRET, "less", f"2025-W43.{stories[0].key}"))
    plain = render_digest(week)  # no endpoint: no feedback link at all
    assert "/feedback?" not in plain.html + plain.text and "/manage?" not in plain.html


def muted(name: str) -> Feedback:
    return Feedback(1, "mute", name, name, W44)


def less_like(week: str, story_key: str, headline: str, extract: str, texts: list[str]) -> Feedback:
    text, names = profile(headline, extract, texts)
    return Feedback(2, "less", f"{week}.{story_key}", headline, W44, text, names)


def test_a_muted_source_never_shows_and_a_story_others_told_stays_without_it() -> None:
    other = Sighting("letters", "l-1", "Harbour Letter", None, "Pilots strike")
    shared = replace(document(1, STRIKE_BEGINS, W43), id=1)
    both = replace(shared, sightings=(*shared.sightings, other))
    stories = build_stories([both, document(2, UNRELATED, W43)])
    week = Digest("2025-W43", "Weekly digest", W43, W44, tuple(stories), 2)
    mine = for_reader(week, [muted("port wire")], publisher_of)  # as shown, in any case
    assert [s.headline for s in mine.stories] == [stories[0].headline]
    assert {publisher_of(s) for s in mine.stories[0].sources} == {"Harbour Letter"}
    assert mine.stories[0].key == stories[0].key
    assert for_reader(week, [], publisher_of) == week


def test_less_like_this_cuts_the_story_and_its_sequel_and_puts_alike_ones_last() -> None:
    [strike] = build_stories([document(1, STRIKE_BEGINS, W43)])
    said = less_like("2025-W43", strike.key, strike.headline, strike.extract, [STRIKE_BEGINS])
    assert "Loodswezen" in said.names and "Rotterdam" in " ".join(said.names)
    texts = (STRIKE_GOES_ON, UNRELATED, PORT_FIGURES)  # each its own story, in this order
    later = [build_stories([document(n, text, W44)])[0] for n, text in enumerate(texts, 2)]
    week = Digest("2025-W44", "Weekly digest", W44, W44, tuple(later), 3)
    kept = [s.headline for s in for_reader(week, [said], publisher_of).stories]
    # The strike going on: cut; the port's figures (its names, not its event): last.
    assert kept == [later[1].headline, later[2].headline]
    week = replace(week, stories=(later[2], later[1]))
    assert [s.headline for s in for_reader(week, [said], publisher_of).stories] == kept
    linked = replace(later[0], continues=Continuation("2025-W43", strike.key, "", "2025-W43"))
    alone = replace(week, stories=(linked,))
    assert for_reader(alone, [replace(said, text="", names=())], publisher_of).stories == ()
