"""Headlines: the main clause of a lead sentence, and the shapes of text that make no headline
and no story (quotations, captions, promotions, page chrome). All texts written for the test."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.normalise.headlines import (
    HEADLINE_MAX_WORDS,
    PHOTO_CREDIT,
    PHOTO_OPENING,
    PROMO,
    is_caption,
    is_chrome,
    is_photo,
    is_promo,
    is_question,
    is_quotation,
    is_usable_title,
    lead_phrase,
)


@pytest.mark.parametrize(
    ("lead", "phrase"),
    [
        # an opener naming where or when goes; the clause ends where a participle begins
        ("Meanwhile in Oslo, the central bank of Norway raised its main rate to five percent "
         "on Thursday, surprising economists who had expected a pause.",
         "The central bank of Norway raised its main rate to five percent on Thursday"),
        ("This week, the prime ministers of Spain and Portugal held a long phone call aimed at "
         "settling a dispute over river water.",
         "The prime ministers of Spain and Portugal held a long phone call"),
        # two openers in a row, then a second verb joined by "and"
        ("Following the summit, despite hopes of calm, the navy accused the coast guard of "
         "ramming a fishing boat and called for an inquiry into the collision at sea.",
         "The navy accused the coast guard of ramming a fishing boat"),
        # a wire dateline goes
        ("GDANSK (Wire) — Dockworkers at the port of Gdansk walked out on Monday, halting "
         "container traffic for the first time in a decade.",
         "Dockworkers at the port of Gdansk walked out on Monday"),
        ("VALENCIA, Spain — Floods cut the motorway to Madrid on Sunday, stranding drivers.",
         "Floods cut the motorway to Madrid on Sunday"),
        # a comma inside a quotation is no boundary
        ('Ministers called the talks "long, hard and useful" after the third round in Geneva, '
         "adding that a deal was close.",
         'Ministers called the talks "long, hard and useful"'),
        # a short sentence stays whole
        ("Storm Odile hit Galicia overnight.", "Storm Odile hit Galicia overnight"),
        # a date's commas end nothing; weekday and date openers go
        ("Tonight, Tuesday, November 25, a rocket is due to lift off from Kourou with a "
         "weather satellite, weather permitting.",
         "A rocket is due to lift off from Kourou with a weather satellite"),
        ("Ministers agreed on Sunday, November 30 to keep output unchanged, as expected.",
         "Ministers agreed on Sunday, November 30 to keep output unchanged"),
        # what a reporting verb announces is the news
        ("Cyprus announced on Monday that homes in its largest cities will lose water two "
         "nights a week, with reservoirs low.",
         "Cyprus announced on Monday that homes in its largest cities will lose water two "
         "nights a week"),
        # a relative clause or participle between commas is no end
        ("Shares in Avio, which builds the rocket, rose 6 percent on Friday after the launch.",
         "Shares in Avio, which builds the rocket, rose 6 percent on Friday"),
        ("The ceasefire, signed in Kigali last Wednesday, has held for three days, and buyers "
         "are paying attention.",
         "The ceasefire, signed in Kigali last Wednesday, has held for three days"),
        # a weekday or a number that starts the subject is no opener
        ("Sunday's ceremony crowned a small film about a harbour town, to general surprise.",
         "Sunday's ceremony crowned a small film about a harbour town"),
        ("Over 2,000 people died in the floods of the delta, officials said on Monday.",
         "Over 2,000 people died in the floods of the delta"),
        # an appositive is not where the clause ends
        ("Arden, a small robotics firm based in Leeds, has raised forty million pounds from "
         "investors to build warehouse robots.",
         "Arden, a small robotics firm based in Leeds, has raised forty million pounds"),
    ],
)  # fmt: skip
def test_lead_phrase_is_the_main_clause(lead: str, phrase: str) -> None:
    assert lead_phrase(lead) == phrase


@pytest.mark.parametrize(
    "lead",
    [
        "The committee of the regional parliament of the northern province of the country "
        "approved the long-awaited budget for the coming year after a debate lasting seven "
        "hours in the old chamber of the palace in the capital.",
        "Officials said the negotiations between the two delegations over fishing quotas in "
        "the northern waters of the sea would continue next week in the harbour town.",
    ],
)
def test_lead_phrase_is_never_cut_with_an_ellipsis(lead: str) -> None:
    phrase = lead_phrase(lead)
    assert not phrase.endswith(("…", "...", ",", " the", " of"))
    assert phrase in lead
    assert len(phrase.split()) <= len(lead.split())


def test_a_long_clause_loses_its_trailing_phrases_first() -> None:
    lead = (
        "The four largest unions of the national railway company agreed on a new wage deal "
        "with the management in Lyon on Friday."
    )
    phrase = lead_phrase(lead)
    assert len(phrase.split()) <= HEADLINE_MAX_WORDS
    assert phrase.startswith("The four largest unions of the national railway company agreed")


@pytest.mark.parametrize(
    ("text", "quotation"),
    [
        ('"Our harbours are open for every ship that respects the rules of the sea."', True),
        ("“We will not sign a deal that hurts our farmers,” the minister said.", True),
        ("“The budget is balanced for the first time in a decade” — Finance Minister", True),
        ("‘Harbour Lights’ wins the festival’s top prize", False),  # a title in quotes
        ('"Harbour Lights," a film about dockworkers, won the top prize on Sunday.', False),
        ("The minister said the budget was balanced.", False),
    ],
)
def test_is_quotation(text: str, quotation: bool) -> None:
    assert is_quotation(text) is quotation


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("Norway's gas exports in 2024, driven by demand in Germany and Poland, underscoring "
         "its new weight in Europe's energy supply.", True),
        ("The share of rail in freight transport in 2023—down from 18 percent in 2010—"
         "highlighting the pull of road haulage.", True),
        ("In this photo provided by the port authority, cranes stand idle in Gdansk.", True),
        ("Cranes stand idle at the container terminal. (Photo: Wire)", False),
        ("Survivors were pulled from the rubble on Monday, rescuers said.", False),
        ("Norway raises rates, surprising markets.", False),
        ("Dockworkers walk out in Gdansk, halting container traffic", False),  # a heading
    ],
)  # fmt: skip
def test_is_caption(text: str, caption: bool) -> None:
    assert is_caption(text) is caption


@pytest.mark.parametrize(
    ("text", "promo"),
    [
        ('Learn more in "The New Energy Map," by A. Writer, fellow at the Institute.', True),
        ("Read more in our weekly energy briefing.", True),
        ("In this episode of Harbour Talk, two pilots explain how ships enter the port.", True),
        ("Watch the full interview on our channel.", True),
        ("Sign up for our free newsletter.", True),
        ("The minister read out the statement in parliament.", False),
        ("Learning from the floods, the city rebuilt its dykes.", False),
    ],
)
def test_is_promo(text: str, promo: bool) -> None:
    assert is_promo(text) is promo


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("• How will the port of Gdansk pay for its new container terminal?", True),
        ("What happens next?", True),
        ("Why?", False),  # too short to lead an answer
        ("“Who will pay for the terminal?” the mayor asked.", False),  # a quotation
        ("The mayor asked who would pay. Nobody knew?", False),  # two sentences
        ("The port of Gdansk opened its new container terminal.", False),
    ],
)
def test_is_question(text: str, question: bool) -> None:
    assert is_question(text) is question


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("The Harbour Courier - Friday, February 6, 2026", True),
        ("Monday, March 16, 2026", True),
        ("Updated on: 03 March, 2025 02:39 PM CET | Gdansk", True),
        ("By Ann Lee, Bo Park and Cy Dunn", True),
        ("<image>data:image/png;base64,AAAA</image>", True),
        ("Dockworkers to strike in Gdansk on Friday, February 6", False),
        ("Port traffic in 2025 rose by a tenth as new cranes arrived", False),
    ],
)
def test_is_chrome(line: str, chrome: bool) -> None:
    assert is_chrome(line) is chrome


@pytest.mark.parametrize(
    ("title", "usable"),
    [
        ("Dockworkers walk out in Gdansk", True),
        ("Dockworkers at the port of Gdansk walked out on Monday, halting…", False),
        ("Dockworkers at the port of Gdansk walked out on Monday, halting...", False),
        ("“We will not give in,” the union leader said.", False),
        ("The Harbour Courier - Friday, February 6, 2026", False),
        ("Subscribe to our free newsletter", False),
        ("", False),
    ],
)
def test_is_usable_title(title: str, usable: bool) -> None:
    assert is_usable_title(title) is usable


# The phrases both patterns look for, and letters re.IGNORECASE matches to ASCII ones.
_PHRASES = ["in this episode", "In Today's podcast", "in the latest clip", "in our weekly section",
            "our newsletter", "Free Newsletter", "Learn more", "don't miss", "In this photo",
            "photos:", "Pictured", "credit:", "Getty Images", "AP Photo", "(Reuters)", "AFP.",
            "\u0130n this video", "\u0131n our series", "new\u017fletter", "\u212a"]  # fmt: skip
_PHOTO = re.compile(f"^{PHOTO_OPENING.pattern}|{PHOTO_CREDIT.pattern}", re.IGNORECASE)


@given(
    st.lists(
        st.sampled_from(_PHRASES) | st.text(st.sampled_from("ab \n.,'\u2019\u0130\u0131\u017f")),
        max_size=6,
    ).map(" ".join)
)
def test_the_faster_tests_find_what_the_whole_patterns_find(text: str) -> None:
    # is_promo skips the pattern's search where no phrase of it can be; is_photo searches
    # only the end of the text for a credit.
    assert is_promo(text) is bool(PROMO.search(text.strip()))
    assert is_photo(text) is bool(_PHOTO.search(text))
