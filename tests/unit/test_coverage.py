"""The coverage line: how many outlets and of what kind, who had it first and when, and the
primary source (linked to by the others, else the earliest), in the email, its text part
and the JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup

from flows.records import Digest, Sighting, StoredDocument, Story
from flows.render.digest import digest_to_json, render_digest
from flows.stories.coverage import coverage_of
from tests.support.email_lint import lint

START = datetime(2025, 10, 20, tzinfo=UTC)
KINDS = {"wire": "feed", "post": "feed", "letters": "mailbox", "seeds": "files"}


def member(number: int, outlet: str, source: str, hours: int, text: str = "",
           how: str = "feed") -> StoredDocument:  # fmt: skip
    url = f"https://{outlet.lower()}.example/news/{number}"
    seen = (Sighting(source, f"id-{number}", outlet, url, f"{outlet} on the bridge"),)
    return StoredDocument(number, f"{outlet} on the bridge", text or "The bridge opened.",
                          outlet, url, START + timedelta(hours=hours), how, seen)  # fmt: skip


def story_of(*members: StoredDocument) -> Story:
    return Story("k", "The harbour bridge opens to traffic", members[0].url,
                 "The bridge opened on Tuesday.", max(m.published_at for m in members),
                 members)  # fmt: skip


def test_the_earliest_outlet_is_first_and_primary_when_nobody_links() -> None:
    story = story_of(member(1, "Post", "post", 30), member(2, "Wire", "wire", 9),
                     member(3, "Letter", "letters", 50, how="header"))  # fmt: skip
    coverage = coverage_of(story, KINDS)
    assert [o.name for o in coverage.outlets] == ["Wire", "Post", "Letter"]
    assert (coverage.feeds, coverage.newsletters) == (2, 1)
    assert (coverage.first.name, coverage.first_at) == ("Wire", START + timedelta(hours=9))
    assert (coverage.primary.name, coverage.linked_by) == ("Wire", 0)


def test_the_outlet_the_others_link_to_is_the_primary_source() -> None:
    source = member(1, "Post", "post", 30)
    story = story_of(
        member(2, "Wire", "wire", 9, "As first reported by https://post.example/news/1/, ..."),
        source,
        member(3, "Letter", "letters", 50, "Read it at www.post.example/news/1 (and more)"),
    )
    coverage = coverage_of(story, KINDS)
    assert coverage.first.name == "Wire"  # had it first, but links to the Post's story
    assert (coverage.primary.name, coverage.linked_by) == ("Post", 1)
    # Only full links count, in the text; a link to the home page says nothing.
    home = member(4, "Letter", "letters", 50, "More at https://post.example/")
    assert coverage_of(story_of(member(2, "Wire", "wire", 9), source, home), KINDS).linked_by == 0


def test_the_line_is_in_the_email_the_text_part_and_the_json() -> None:
    linking = "Via https://post.example/news/1 and others."
    story = story_of(member(2, "Wire", "wire", 9, linking), member(1, "Post", "post", 30),
                     member(3, "Letter", "letters", 50, linking))  # fmt: skip
    single = Story("s", "A museum reopens its Roman gallery", None, "It reopened.", START,
                   (member(5, "Letter", "seeds", 12, how="metadata"),))  # fmt: skip
    digest = Digest("2025-W43", "Weekly digest", START, START + timedelta(days=7),
                    (story, single), 4, source_kinds=tuple(KINDS.items()))  # fmt: skip
    rendered = render_digest(digest)
    lines = [p.get_text(" ", strip=True) for p in
             BeautifulSoup(rendered.html, "html.parser").select("p.coverage")]  # fmt: skip
    assert lines == [
        "Told by 3 outlets (2 feeds, 1 newsletter) · first: Wire, Mon 20 Oct 2025 09:00 · "
        "primary source: Post (linked by 2)",
        "Told by 1 outlet (1 newsletter): Letter, Mon 20 Oct 2025",  # a date without a time
    ]
    primary = BeautifulSoup(rendered.html, "html.parser").select_one("p.coverage a")
    assert primary is not None and primary["href"] == "https://post.example/news/1"
    assert "Told by 3 outlets (2 feeds, 1 newsletter); first: Wire, Mon 20 Oct 2025 09:00;" in (
        " ".join(rendered.text.split()))  # fmt: skip
    assert not lint(rendered.html)

    data = digest_to_json(digest)["stories"][0]["coverage"]
    assert (data["outlets"], data["feeds"], data["newsletters"]) == (3, 2, 1)
    assert data["first"] == {"outlet": "Wire", "at": "2025-10-20T09:00:00+00:00"}
    assert data["primary"] == {"outlet": "Post", "url": "https://post.example/news/1",
                               "why": "linked", "linked_by": 2}  # fmt: skip
    assert [o["kind"] for o in data["by"]] == ["feed", "feed", "newsletter"]
