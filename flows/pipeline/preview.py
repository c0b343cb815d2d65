"""A week's digest as stored documents make it now: for preview and for the digest flow."""

from __future__ import annotations

import json

from db.engine import session_scope
from flows.pipeline.week_documents import week_documents
from flows.records import Digest
from flows.render.digest import digest_to_json, late_to_json, render_digest
from flows.settings import Settings
from flows.stories.build import build_stories
from flows.weeks import week_bounds


def load_week(settings: Settings, week: str) -> Digest:
    """Select the week's documents (and its late arrivals) and group them into ranked stories."""
    starts, ends = week_bounds(week, settings.zone)
    with session_scope(settings.database_url) as session:
        chosen = week_documents(session, week, settings.zone)
    return Digest(
        week=week,
        title=settings.title,
        starts=starts,
        ends=ends,
        stories=tuple(build_stories(chosen.own)),
        document_count=len(chosen.own),
        late=tuple(build_stories(chosen.late)),
    )


def preview_week(settings: Settings, week: str, format: str) -> str:
    """The week rendered as "html", "text" or "json", without delivering anything."""
    digest = load_week(settings, week)
    if format == "json":
        data = digest_to_json(digest) | {"late_arrivals": late_to_json(digest, settings.zone)}
        return json.dumps(data, indent=2, ensure_ascii=False)
    rendered = render_digest(digest)
    return rendered.html if format == "html" else rendered.text
