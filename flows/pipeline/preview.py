"""A week's digest as stored documents make it now: for preview and for the digest flow."""

from __future__ import annotations

import json

from db import late as late_store
from db import threads as thread_store
from db.engine import session_scope
from flows.pipeline.send_test import archive_page, render_email
from flows.pipeline.week_documents import week_documents
from flows.records import Digest
from flows.render.digest import digest_to_json, late_to_json
from flows.render.markdown import render_markdown
from flows.settings import Settings
from flows.stories.build import build_stories
from flows.stories.continuing import link_stories, look_back, relink
from flows.weeks import week_bounds


def load_week(settings: Settings, week: str) -> Digest:
    """Select the week's documents (and its late arrivals), group them into ranked stories,
    and link those that continue a story of an earlier week.

    A sent week keeps the links it was sent with; an unsent one is linked to the stored
    stories of the weeks before it, which are read and never written: a follow-up does not
    reopen a sent week.
    """
    starts, ends = week_bounds(week, settings.zone)
    with session_scope(settings.database_url) as session:
        chosen = week_documents(session, week, settings.zone)
        if week in late_store.sent_weeks(session):
            links, earlier = thread_store.links_of(session, week), None
        else:
            links, earlier = {}, thread_store.stored_stories(session, look_back(week), week)
    own, late = build_stories(chosen.own), build_stories(chosen.late)
    if earlier is None:
        own, late = relink(own, links), relink(late, links)
    elif earlier:
        linked = link_stories(own + late, earlier)
        own, late = linked[: len(own)], linked[len(own) :]
    return Digest(
        week=week,
        title=settings.title,
        starts=starts,
        ends=ends,
        stories=tuple(own),
        document_count=len(chosen.own),
        late=tuple(late),
    )


def preview_week(settings: Settings, week: str, format: str) -> str:
    """The week rendered as "html", "text", "markdown" or "json", delivering nothing."""
    digest = load_week(settings, week)
    if format == "markdown":
        page = lambda week: archive_page(settings, week)  # noqa: E731
        return render_markdown(digest, archive_url=page(digest.week), week_url=page)
    if format == "json":
        data = digest_to_json(digest) | {"late_arrivals": late_to_json(digest, settings.zone)}
        return json.dumps(data, indent=2, ensure_ascii=False)
    rendered = render_email(settings, digest)  # as the readers get it, footer and all
    return rendered.html if format == "html" else rendered.text
