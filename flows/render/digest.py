"""Render a week's Digest: the HTML email (CSS inlined), its plain-text twin, and JSON."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from flows.normalise.headlines import is_usable_title
from flows.records import Continuation, Digest, RenderedDigest, Sighting, Story
from flows.render import links as reader_links
from flows.render.coverage import CoverageView, coverage_to_json, story_coverage
from flows.render.fit import most_that_fit
from flows.render.footer import Footer
from flows.safe_text import without_bidi_controls
from flows.sanitise import safe_url
from flows.weeks import week_of

# templates/ ships inside the package (pyproject.toml maps it to flows.templates), so an
# installed wheel finds it as an editable checkout does.
TEMPLATES = Path(str(files("flows.templates")))
WRAP = 72
SIZE_LIMIT = 102_000  # bytes of HTML; Gmail clips larger messages


@dataclass(frozen=True)
class SourceView:
    label: str
    url: str | None


@dataclass(frozen=True)
class ThreadView:
    """Where a continuing story was first reported, and the story it goes on from."""

    first_week: str
    url: str | None  # the first week's page in the archive, when there is one
    week: str
    headline: str


@dataclass(frozen=True)
class StoryView:
    headline: str
    url: str | None
    extract: str
    published_at: datetime
    lead_source: str
    others: tuple[SourceView, ...]
    late: bool = False  # published in an earlier week, stored after its digest went out
    continues: ThreadView | None = None
    coverage: CoverageView | None = None  # how many outlets, who first, the primary source
    less_url: str | None = None  # the reader's feedback links (flows.render.links)
    mute_url: str | None = None


def publisher_of(sighting: Sighting) -> str:
    """Who carried a text, as a reader knows them: the publisher, else the link's domain, else
    the source's name; never a file name or an identity."""
    host = urlsplit(sighting.url).hostname if sighting.url else None
    return sighting.publisher or (host.removeprefix("www.") if host else sighting.source)


def source_label(sighting: Sighting) -> str:
    """The publisher, and the title it gave when a reader can trust that title."""
    where = publisher_of(sighting)
    return f"{where}: {sighting.title}" if is_usable_title(sighting.title) else where


def story_view(
    story: Story,
    late: bool = False,
    week_url: Callable[[str], str | None] | None = None,
    digest: Digest | None = None,
) -> StoryView:
    lead, *others = story.sources
    kinds, zone = (dict(digest.source_kinds), digest.starts.tzinfo) if digest else ({}, None)
    return StoryView(
        coverage=story_coverage(story, kinds, zone),
        late=late,
        continues=thread_view(story.continues, week_url),
        headline=story.headline,
        url=safe_url(story.url),
        extract=story.extract,
        published_at=story.published_at,
        lead_source=publisher_of(lead),
        others=tuple(SourceView(source_label(s), safe_url(s.url)) for s in others),
    )


def thread_view(
    link: Continuation | None, week_url: Callable[[str], str | None] | None
) -> ThreadView | None:
    if link is None:
        return None
    # Not through safe_url: the address is our own archive's (the configured base URL, or
    # a page name relative to the archive page that links it), never a feed's.
    url = week_url(link.first_week) if week_url else None
    return ThreadView(link.first_week, url, link.week, link.headline)


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda moment: f"{moment:%a %d %b %Y}"
    return env


HTML = _environment(autoescape=True)
TEXT = _environment(autoescape=False)  # plain text: nothing to escape, nothing executes
INLINER = css_inline.CSSInliner(
    inline_style_tags=False,
    keep_style_tags=True,
    load_remote_stylesheets=False,
    extra_css=(TEMPLATES / "digest.css").read_text(encoding="utf-8"),
)


def subject_of(digest: Digest) -> str:
    lead = digest.stories or digest.late  # a week of late arrivals alone is named by them
    top = f": {lead[0].headline}" if lead else ""
    return f"{digest.title} {digest.week}{top}"


def render_digest(
    digest: Digest,
    *,
    archive_url: str | None = None,
    week_url: Callable[[str], str | None] | None = None,
    size_limit: int = SIZE_LIMIT,
    feedback_base: str | None = None,
    footer: Footer | None = None,
) -> RenderedDigest:
    """The same digest always renders to the same bytes: nothing here reads the clock.

    `archive_url` is this week's page in the web archive: the "view in browser" link,
    and where the stories that do not fit under `size_limit` are read. Stories are
    dropped whole from the end (the lowest ranked), never cut. `week_url` gives another
    week's page, where a continuing story was first reported; without it, the week is
    named without a link. With `feedback_base` (the endpoint's address) each story has
    "less like this" and "mute" links and the footer a "manage" link, each carrying the
    placeholder that delivery replaces with the reader's signature. `footer`, for an
    e-mail, is always shown (never cut for size).
    """
    told = (*digest.stories, *digest.late)  # late arrivals after the week's own stories
    views: list[StoryView] = []  # made as far as the size search reaches: a busy week's
    # stories are many more than an e-mail shows

    def shown_views(count: int) -> list[StoryView]:
        for story in told[len(views) : count]:
            view = story_view(story, late=len(views) >= len(digest.stories),
                              week_url=week_url, digest=digest)  # fmt: skip
            views.append(with_feedback(view, story, digest.week, feedback_base))
        return views[:count]

    manage = reader_links.manage_url(feedback_base) if feedback_base else None
    preheader = " · ".join(s.headline for s in shown_views(3))
    base = {"digest": _DigestView(digest), "preheader": preheader, "archive_url": archive_url,
            "manage_url": manage, "footer": footer}  # fmt: skip
    pages: dict[int, str] = {}  # by count of stories shown: the size search asks again

    def html_for(shown: int) -> str:
        if shown not in pages:
            context = {**base, "stories": shown_views(shown), "more": len(told) - shown}
            pages[shown] = INLINER.inline(HTML.get_template("digest.html.j2").render(context))
        return pages[shown]

    shown = most_that_fit(lambda count: len(html_for(count).encode()), len(told), size_limit)
    html = html_for(shown)
    kept = shown_views(shown)
    urls = [u for s in kept for u in (s.url, *(o.url for o in s.others), _thread_url(s),
                                      s.less_url, s.mute_url)]  # fmt: skip
    urls += [archive_url, manage, *((footer.unsubscribe, footer.manage) if footer else ())]
    links = list(dict.fromkeys(u for u in urls if u))
    refs = {url: number for number, url in enumerate(links, start=1)}
    context = {**base, "stories": kept, "more": len(told) - shown, "ref": refs.get,
               "links": links}  # fmt: skip
    text = wrap(TEXT.get_template("digest.txt.j2").render(context))
    return RenderedDigest(digest.week, without_bidi_controls(subject_of(digest)),
                          without_bidi_controls(html), without_bidi_controls(text),
                          without_bidi_controls(preheader))  # fmt: skip


def with_feedback(view: StoryView, story: Story, week: str, base: str | None) -> StoryView:
    """The story with its "less like this" (the story, by week and key) and "mute" (its
    lead source, by the name shown) links; as it is without the endpoint's address."""
    if base is None:
        return view
    url, lead = reader_links.feedback_url, reader_links.encode_value(view.lead_source)
    return replace(view, less_url=url(base, "less", f"{week}.{story.key}"),
                   mute_url=url(base, "mute", lead))  # fmt: skip


def _thread_url(story: StoryView) -> str | None:
    return story.continues.url if story.continues else None


class _DigestView:
    def __init__(self, digest: Digest) -> None:
        self.title = digest.title
        self.week = digest.week
        self.starts = digest.starts
        self.last_day = digest.ends - timedelta(seconds=1)
        self.stories = digest.stories
        # One count in the header and the footer: the week's own stories and its late
        # arrivals, those shown and those left to the archive.
        self.story_count = len(digest.stories) + len(digest.late)
        self.document_count = digest.document_count
        self.late_documents = sum(len(s.documents) for s in digest.late)


def wrap(text: str, width: int = WRAP) -> str:
    """Wrap each paragraph at `width`, leaving blank lines and long URLs whole."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line.rstrip())
        else:
            out.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
    return "\n".join(out).strip() + "\n"


def digest_to_json(digest: Digest) -> dict[str, Any]:
    """The digest's stories with their documents, for other tools. A link is there only
    when the HTML would show it (http, https or mailto), else it is null."""
    return {
        "week": digest.week,
        "title": digest.title,
        "starts": digest.starts.isoformat(),
        "ends": digest.ends.isoformat(),
        "document_count": digest.document_count,
        "stories": [
            {
                "key": story.key,
                "headline": story.headline,
                "url": safe_url(story.url),
                "extract": story.extract,
                "published_at": story.published_at.isoformat(),
                "coverage": coverage_to_json(story, dict(digest.source_kinds)),
                "continues": None if story.continues is None else {
                    "week": story.continues.week,
                    "key": story.continues.key,
                    "headline": story.continues.headline,
                    "first_week": story.continues.first_week,
                },
                "documents": [
                    {
                        "id": doc.id,
                        "title": doc.title,
                        "publisher": doc.publisher,
                        "url": safe_url(doc.url),
                        "published_at": doc.published_at.isoformat(),
                        "date_how": doc.date_how,
                        "sightings": [
                            {"source": s.source, "identity": s.identity,
                             "url": safe_url(s.url), "title": s.title}
                            for s in doc.sightings
                        ],
                    }
                    for doc in story.documents
                ],
            }
            for story in digest.stories
        ],
    }  # fmt: skip


def late_to_json(digest: Digest, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The late stories in the shape of the digest's JSON, each document with its own week."""
    stories = digest_to_json(replace(digest, stories=digest.late))["stories"]
    for story in stories:
        story["late"] = True
        for document in story["documents"]:
            published = datetime.fromisoformat(document["published_at"])
            document["published_week"] = week_of(published, zone)
    return stories
