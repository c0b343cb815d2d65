"""Rendering: the HTML email, its text twin, the size budget, JSON, determinism."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from flows.records import Digest, Sighting, StoredDocument, Story
from flows.render.digest import publisher_of, render_digest, source_label
from flows.render.fit import most_that_fit
from tests.support.email_lint import lint

START = datetime(2025, 10, 20, tzinfo=UTC)


def story(i: int, sources: int = 2, words: int = 40) -> Story:
    sightings = tuple(
        Sighting(f"feed{j}", f"guid-{i}-{j}", f"Outlet {j}", f"https://outlet{j}.example/{i}",
                 f"Outlet {j} on story {i}")
        for j in range(sources)
    )  # fmt: skip
    doc = StoredDocument(i, f"Story {i}", "text", "Outlet 0", sightings[0].url, START, "feed",
                         sightings)  # fmt: skip
    extract = " ".join(["The harbour bridge opened to traffic on Tuesday."] * (words // 8))
    return Story(f"key{i}", f"Headline of story {i} & more <b>", sightings[0].url, extract,
                 START + timedelta(days=i % 7), (doc,))  # fmt: skip


def digest(count: int, **kwargs: object) -> Digest:
    stories = tuple(story(i, **kwargs) for i in range(count))  # type: ignore[arg-type]
    return Digest("2025-W43", "Weekly digest", START, START + timedelta(days=7), stories, count)


def test_the_email_has_a_contents_list_and_each_story_whole() -> None:
    rendered = render_digest(digest(3))
    soup = BeautifulSoup(rendered.html, "html.parser")
    toc = [a.get_text(strip=True) for a in soup.select(".toc a")]
    assert toc == [f"{i + 1}. Headline of story {i} & more <b>" for i in range(3)]
    headline = soup.select(".headline a")[0]
    assert headline["href"] == "https://outlet0.example/0"
    assert "Also covered by" in soup.select(".sources")[0].get_text()
    assert "<b>" not in rendered.html.split("<body")[1].replace("&lt;b&gt;", "")  # escaped
    assert rendered.subject == "Weekly digest 2025-W43: Headline of story 0 & more <b>"
    assert "Headline of story 0" in rendered.preheader
    assert lint(rendered.html) == []


def test_css_is_inlined_and_only_media_queries_stay_in_style() -> None:
    html = render_digest(digest(1)).html
    soup = BeautifulSoup(html, "html.parser")
    assert "max-width: 600px" in soup.select_one(".container")["style"]
    styles = " ".join(s.get_text() for s in soup.find_all("style"))
    assert "@media" in styles and "prefers-color-scheme: dark" in styles
    assert soup.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"


def test_the_text_part_is_wrapped_with_numbered_links() -> None:
    text = render_digest(digest(2)).text
    assert all(len(line) <= 72 for line in text.splitlines() if "://" not in line)
    assert "[1] https://outlet0.example/0" in text
    assert "Headline of story 0 & more <b> [1]" in text  # no HTML escaping in plain text
    assert "Also covered by: Outlet 1: Outlet 1 on story 0 [2]" in text


def test_a_big_week_keeps_whole_stories_under_the_limit_and_says_how_many_more() -> None:
    rendered = render_digest(digest(300, sources=3, words=60),
                             archive_url="https://digest.example/2025-W43.html")  # fmt: skip
    size = len(rendered.html.encode())
    assert size <= 102_000
    soup = BeautifulSoup(rendered.html, "html.parser")
    shown = len(soup.select(".headline"))
    assert 10 < shown < 300
    assert f"{300 - shown} more stories" in soup.get_text()
    more = soup.find("a", string="read them in the archive")
    assert more["href"] == "https://digest.example/2025-W43.html"
    assert f"{300 - shown} more stories" in rendered.text
    assert lint(rendered.html) == []


def test_the_same_digest_renders_the_same_bytes() -> None:
    first, second = render_digest(digest(5)), render_digest(digest(5))
    assert (first.html, first.text, first.subject) == (second.html, second.text, second.subject)


def test_json_lists_stories_with_their_documents_and_sightings() -> None:
    from flows.render.digest import digest_to_json

    data = json.loads(json.dumps(digest_to_json(digest(1, sources=2))))
    [only] = data["stories"]
    assert only["headline"] == "Headline of story 0 & more <b>"
    assert [s["identity"] for s in only["documents"][0]["sightings"]] == ["guid-0-0", "guid-0-1"]
    assert only["documents"][0]["date_how"] == "feed"


def test_the_lint_catches_what_it_is_for() -> None:
    bad = (
        '<html><head><link rel="stylesheet" href="https://x.example/a.css">'
        "<style>.a { position: absolute; }</style></head><body>"
        '<div class="story"><img src="https://x.example/pixel.gif"><a href="https://x"></a>'
        "</div></body></html>"
    )
    problems = " | ".join(lint(bad))
    for expected in ("<link>", "position", "external resource", "without alt",
                     "no readable text", "no inline style"):  # fmt: skip
        assert expected in problems


@pytest.mark.parametrize(
    ("sighting", "shown"),
    [
        (Sighting("seeds", "003_10e8.txt", "Harbour Notes", None, "T"), "Harbour Notes"),
        (Sighting("seeds", "003_10e8.txt", "", "https://www.courier.example/a/1", "T"),
         "courier.example"),
        (Sighting("seeds", "003_10e8.txt", "", None, "T"), "seeds"),
        (Sighting("mail", "<abc@mail.example>", "", None, "T"), "mail"),
    ],
)  # fmt: skip
def test_the_publisher_shown_is_never_a_file_name_or_an_identity(
    sighting: Sighting, shown: str
) -> None:
    assert publisher_of(sighting) == shown


def test_a_source_label_leaves_out_a_title_no_reader_can_trust() -> None:
    cut = Sighting("feed", "g", "Courier", None, "Dockworkers at the port walked out on…")
    assert source_label(cut) == "Courier"
    whole = Sighting("feed", "g", "Courier", None, "Dockworkers walk out")
    assert source_label(whole) == "Courier: Dockworkers walk out"


def test_no_file_name_reaches_the_email() -> None:
    sighting = Sighting("seeds", "003_10e8502773846869.txt", "", None, "Dockworkers walk out")
    doc = StoredDocument(1, "Dockworkers walk out", "text", "", None, START, "metadata",
                         (sighting, sighting))  # fmt: skip
    only = Story("k", "Dockworkers walk out", None, "Dockworkers walked out.", START, (doc,))
    rendered = render_digest(Digest("2025-W43", "Weekly digest", START,
                                    START + timedelta(days=7), (only,), 1))  # fmt: skip
    assert "003_10e8502773846869" not in rendered.html + rendered.text


def test_the_size_search_finds_the_most_stories_that_fit() -> None:
    rng = random.Random(5)
    for _ in range(1000):
        total = rng.randint(0, 400)
        sizes = list(itertools.accumulate(rng.randint(40, 2000) for _ in range(total + 1)))
        limit = rng.randint(sizes[0] - 100, sizes[-1] + 100)  # none, some or all fit
        asked: list[int] = []

        def size_of(count: int, sizes: list[int] = sizes, asked: list[int] = asked) -> int:
            asked.append(count)
            return sizes[count]

        most = max((n for n in range(total + 1) if sizes[n] <= limit), default=0)
        assert most_that_fit(size_of, total, limit) == most
        assert len(asked) <= 2 * total.bit_length() + 4 and len(set(asked)) == len(asked)


def test_a_busy_week_is_not_rendered_whole_to_find_what_fits() -> None:
    """Stories of like size: a few pages, none of them all 500 stories."""
    asked: list[int] = []

    def size_of(count: int) -> int:
        asked.append(count)
        return 9_000 + 1_000 * count + (count * 37) % 300

    assert most_that_fit(size_of, 500, 102_000) == 92
    assert len(asked) <= 5 and max(asked) < 100, asked
