"""Each reader's copy of a week: the shared rendering, or the reader's own when they said
what they want (muted sources, "less like this"); its feedback links signed for them."""

from __future__ import annotations

from collections.abc import Callable

from db import feedback as feedback_store
from db.engine import session_scope
from flows.records import Digest, RenderedDigest, Subscriber
from flows.render.digest import publisher_of, render_digest
from flows.render.links import sign_rendering
from flows.settings import Settings
from flows.stories.preferences import for_reader


def feedback_base(settings: Settings) -> str | None:
    """Where the feedback links point: the endpoint at the web address, when there is one."""
    base = settings.base_url
    return base if base.startswith(("https://", "http://")) else None


def reader_renderings(
    settings: Settings,
    digest: Digest,
    rendered: RenderedDigest,
    *,
    archive_url: str | None = None,
    week_url: Callable[[str], str | None] | None = None,
) -> Callable[[Subscriber], RenderedDigest]:
    """reader -> what they are sent. Readers who said nothing share one rendering (with
    links, when there is an endpoint); the others get the week rendered for them."""
    with session_scope(settings.database_url) as session:
        said = feedback_store.feedback_by_email(session)
    base = feedback_base(settings)

    def render(week: Digest) -> RenderedDigest:
        return render_digest(week, archive_url=archive_url, week_url=week_url,
                             feedback_base=base)  # fmt: skip

    shared = render(digest) if base else rendered

    def rendering(reader: Subscriber) -> RenderedDigest:
        own = said.get(reader.email)
        copy = render(for_reader(digest, own, publisher_of)) if own else shared
        return sign_rendering(copy, reader.id, reader.token) if base else copy

    return rendering
