"""A week's digest as stored documents make it now: for preview and for the digest flow."""

from __future__ import annotations

import json
from collections.abc import Sequence

from db import late as late_store
from db import threads as thread_store
from db.engine import session_scope
from flows.digest_settings import DigestSettings
from flows.pipeline.digests import digest_named, rules_of
from flows.pipeline.send_test import archive_page, render_email
from flows.pipeline.stories_ahead import grouped
from flows.pipeline.week_documents import week_documents
from flows.records import Digest, Story
from flows.render.digest import digest_to_json, late_to_json
from flows.render.markdown import render_markdown
from flows.safe_text import without_bidi_controls
from flows.settings import Settings
from flows.stories.build import build_stories
from flows.stories.continuing import link_stories, look_back, relink
from flows.stories.select import may_take, select_stories
from flows.stories.threads import continued_from
from flows.weeks import week_bounds


def load_week(settings: Settings, week: str, digest: DigestSettings | None = None) -> Digest:
    """Select the week's documents (and its late arrivals) of the digest (the first one
    configured by default), group them into stories that it picks and ranks by its rules,
    and link those that continue a story of an earlier week of it.

    A sent week keeps the links it was sent with; an unsent one is linked to the stored
    stories of the weeks before it, which are read and never written: a follow-up does not
    reopen a sent week.
    """
    digest = digest or digest_named(settings)
    name, rules = digest.name, rules_of(digest)
    starts, ends = week_bounds(week, settings.zone)
    with session_scope(settings.database_url) as session:
        chosen = week_documents(session, week, settings.zone, name)
        sent = week in late_store.sent_weeks(session, name)
        links = thread_store.links_of(session, week, name) if sent else {}
    own = select_stories(grouped(week, name, chosen.own), rules)
    # A sent week is rebuilt from what it holds; an unsent one groups only the late
    # documents the rules may keep.
    candidates = chosen.late if sent else may_take(chosen.late, rules)
    late = select_stories(build_stories(candidates), rules)
    if sent:
        own, late = relink(own, links), relink(late, links)
    elif own or late:
        # Only the earlier stories told recently enough to be continued are read.
        recent = continued_from(own + late)
        with session_scope(settings.database_url) as session:
            earlier = thread_store.stored_stories(session, look_back(week), week, name, recent)
        if earlier:
            linked = link_stories(own + late, earlier)
            own, late = linked[: len(own)], linked[len(own) :]
    return Digest(
        week=week,
        title=digest.title,
        starts=starts,
        ends=ends,
        stories=tuple(own),
        document_count=len(chosen.own) if rules.keeps_all else _count(own),
        late=tuple(late),
        source_kinds=tuple((source.name, source.kind) for source in settings.sources),
    )


def _count(stories: Sequence[Story]) -> int:
    """Documents the digest's stories hold: what its rules kept of the week."""
    return len({doc.id for story in stories for doc in story.documents})


def preview_week(settings: Settings, week: str, format: str, name: str | None = None) -> str:
    """The week of the digest `name` (the first by default) rendered as "html", "text",
    "markdown" or "json", without delivering anything."""
    chosen = digest_named(settings, name)
    digest = load_week(settings, week, chosen)
    if format == "markdown":
        page = lambda week: archive_page(settings, week, chosen.name)  # noqa: E731
        return without_bidi_controls(
            render_markdown(digest, archive_url=page(digest.week), week_url=page)
        )
    if format == "json":
        data = digest_to_json(digest) | {"late_arrivals": late_to_json(digest, settings.zone)}
        return without_bidi_controls(json.dumps(data, indent=2, ensure_ascii=False))
    rendered = render_email(settings, digest, chosen.name)  # as the readers get it, footer and all
    return rendered.html if format == "html" else rendered.text
