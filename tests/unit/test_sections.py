"""Newsletter sections: which texts are newsletters, and where their items begin."""

from __future__ import annotations

import pytest

from flows.normalise.sections import is_fragment, is_newsletter, item_starts, items, split

TALKS = (
    "China and the United States resume trade talks in Kuala Lumpur on Friday, led by Vice "
    "Premier He Lifeng and Treasury Secretary Scott Bessent, ahead of a Trump-Xi meeting."
)
TOUR = (
    "Trump begins his Asia tour in Malaysia on Friday and meets Xi in South Korea on Thursday, "
    "hoping for a trade deal with China on tariffs, soybeans and rare earths after the talks."
)
PLENUM = (
    "The Fourth Plenary Session of the Central Committee concluded in Beijing, outlining the "
    "next Five-Year Plan with advanced manufacturing, technology self-sufficiency and domestic "
    "demand as its central goals until 2030."
)
CALL = (
    "The prime ministers of Spain and Portugal held a long phone call on Tuesday about the "
    "water of the Tagus, agreeing to keep their joint commission at work through the summer."
)
CALL_2 = (
    "During the call, Spain's prime minister stressed the drought in Extremadura and "
    "Portugal's the low water of the Tagus at its border; both asked the joint commission for "
    "a treaty on dry years."
)
ACCUSATION = (
    "Portugal's navy accused a Spanish trawler of fishing inside its waters off the Algarve "
    "and seized its catch, the first such seizure since the fisheries accord of 2019."
)
ACCUSATION_2 = (
    "The trawler's owners denied the charge and said their satellite tracker shows the boat "
    "outside the line; the fisheries ministry in Madrid asked for the logs."
)
RATES = (
    "Norway's central bank raised its main rate to five percent on Thursday, surprising "
    "economists who had expected a pause after two increases this year, its governor said."
)
GLACIERS = (
    "Swiss glaciers lost three percent of their remaining volume this year, the monitoring "
    "network reported on Wednesday, after a winter with little snow and a hot August summer."
)


@pytest.mark.parametrize(
    ("paragraphs", "starts"),
    [
        ([TALKS, TOUR, PLENUM], (0, 2)),  # the tour continues the talks; the plenum is new
        ([TALKS, "Meanwhile, " + TOUR], (0, 1)),  # an announced turn starts an item
        (["OFFSHORE", TALKS, "IN THE MOUNTAINS", GLACIERS], (0, 2)),  # headings lead items
        ([TALKS, TOUR], ()),  # one subject: no items
        ([TALKS, "A short caption.", PLENUM], (0, 2)),  # a caption stays where it is
        ([TALKS], ()),
        # a development that follows the first and shares little with it is an item of its own
        ([CALL, CALL_2, "Following the call, " + ACCUSATION, ACCUSATION_2], (0, 2)),
        # a newsletter that titles its items cuts at its headings only, not between paragraphs
        # of one item; a section label ("IN BRIEF") titles nothing
        (
            [
                "Good morning. Here is the week.",
                "IN BRIEF",
                "Dockers walk out",
                GLACIERS,
                TALKS,
                "Rates rise in Oslo",
                RATES,
            ],
            (0, 2, 5),
        ),
    ],
)
def test_item_starts(paragraphs: list[str], starts: tuple[int, ...]) -> None:
    assert item_starts(paragraphs) == starts


def test_split_gives_each_item_its_paragraphs() -> None:
    text = "\n\n".join(["OFFSHORE", TALKS, "IN THE MOUNTAINS", GLACIERS])
    assert split(text, (0, 2)) == [f"OFFSHORE\n\n{TALKS}", f"IN THE MOUNTAINS\n\n{GLACIERS}"]
    assert split(text, ()) == [text]


@pytest.mark.parametrize(
    ("raw", "removed", "newsletter"),
    [
        (["Dear Focus Reader,", TALKS], ["Dear Focus Reader,"], True),
        (["Good morning,", TALKS], [], True),
        ([TALKS, "Unsubscribe"], ["Unsubscribe"], True),
        (
            [TALKS, "This weekly newsletter is written in Amsterdam."],
            ["This weekly newsletter is written in Amsterdam."],
            True,
        ),
        ([TALKS, "Source link", "Post Comment"], ["Source link", "Post Comment"], False),
        # an article that offers its publisher's newsletter is not one
        (
            [TALKS, "Sign up for our Morning Briefing newsletter"],
            ["Sign up for our Morning Briefing newsletter"],
            False,
        ),
        (["Port news", "Good morning. Today: strikes and storms.", TALKS], [], True),
        # wire stories one after another: news in brief; one dateline is an article's
        (
            [
                "Dockers walk out",
                "GDANSK (HNA) — Dockers walked out.",
                "Rates rise",
                "OSLO (HNA) — Norway raised rates.",
            ],
            [],
            True,
        ),
        (["GDANSK (HNA) — Dockers walked out.", TALKS], [], False),
        ([TALKS, TOUR], [], False),
    ],
)
def test_is_newsletter(raw: list[str], removed: list[str], newsletter: bool) -> None:
    assert is_newsletter(raw, removed) is newsletter


QUOTE = "“A river shared is a river that needs rules for the dry years,” the minister said."
CHART = (
    "Spain's water reserves in 2025, down from 61 percent in 2020, underscoring the drought "
    "across the south."
)
PROMO = 'Learn more in "The Dry Peninsula," by A. Writer, fellow at the Water Institute.'
VIDEO = (
    "From dams to drip irrigation, farmers are changing how they water. In this episode of "
    "Field Notes, two growers explain what works."
)


@pytest.mark.parametrize(
    ("paragraphs", "starts", "kept"),
    [
        # a pull-quote, a chart's caption and a promotion between items are no items
        ([CALL, CALL_2, QUOTE, CHART, PROMO], (0, 2, 3, 4), [f"{CALL}\n\n{CALL_2}"]),
        # a chart's title (a heading naming something else) over a video's blurb: dropped
        ([RATES, "Spain's reservoirs, now at a third of their volume", VIDEO], (0, 1), [RATES]),
        # a heading that names its item stays, its item too
        ([RATES, "Glaciers shrink again", GLACIERS], (0, 1),
         [RATES, f"Glaciers shrink again\n\n{GLACIERS}"]),
        # a leading quotation goes, the news after it stays with its item
        ([QUOTE, CALL, RATES], (0, 2), [CALL, RATES]),
        # the letter's welcome is no news
        (["Welcome back to Port Notes, the briefing that reads the harbour's fine print.",
          RATES, GLACIERS], (0, 2), [RATES, GLACIERS]),
        # a fragment is no story
        ([RATES, "and in the north."], (0, 1), [RATES]),
    ],
)  # fmt: skip
def test_items_are_news(paragraphs: list[str], starts: tuple[int, ...], kept: list[str]) -> None:
    assert items("\n\n".join(paragraphs), starts) == kept


def test_a_headed_newsletter_drops_its_introduction() -> None:
    text = "\n\n".join(
        ["Good morning. Today: a river, a rate and a glacier.", "Rates rise in Oslo", RATES,
         "Glaciers shrink again", GLACIERS]
    )  # fmt: skip
    assert items(text, item_starts(text.split("\n\n"))) == [
        f"Rates rise in Oslo\n\n{RATES}",
        f"Glaciers shrink again\n\n{GLACIERS}",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("• " + TALKS, False),  # a bulleted item is a whole item
        ("and more in the Gulf, where the talks go on for a second week in the capital.", True),
        ("Talks resume in Kuala Lumpur.", True),  # too short
        (TALKS, False),
    ],
)
def test_is_fragment(text: str, fragment: bool) -> None:
    assert is_fragment(text) is fragment


@pytest.mark.parametrize(
    "introduction",
    [
        "I'm Ana, the editor of this page. Here are the stories of the morning.",
        "Here is what happened while you slept.",
        "Talks resume in Kuala Lumpur; glaciers shrink; Norway raises rates; dockers strike.",
    ],
)
def test_a_headed_letter_drops_what_presents_or_sums_up_its_items(introduction: str) -> None:
    text = "\n\n".join(
        ["Morning page", introduction + " " + PLENUM, "Trade talks", TALKS, "Glaciers", GLACIERS]
    )
    assert items(text, (0, 2, 4)) == [f"Trade talks\n\n{TALKS}", f"Glaciers\n\n{GLACIERS}"]


def test_a_headed_letter_keeps_a_first_item_that_tells_news() -> None:
    text = "\n\n".join(["Morning page", "I'm sure of one thing. " + PLENUM, "Glaciers", GLACIERS])
    assert len(items(text, (0, 2))) == 2
