"""Newsletter sections: which texts are newsletters, and where their items begin."""

from __future__ import annotations

import pytest

from flows.normalise.sections import is_newsletter, item_starts, split

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
        ([TALKS, TOUR], [], False),
    ],
)
def test_is_newsletter(raw: list[str], removed: list[str], newsletter: bool) -> None:
    assert is_newsletter(raw, removed) is newsletter
