"""Each reader's copy of a week: the shared rendering, or the reader's own when they said
what they want (muted sources, "less like this"); its feedback links signed for them."""

from __future__ import annotations

from collections.abc import Callable

from db import feedback as feedback_store
from db.engine import session_scope
from flows.pipeline.send_test import render_email
from flows.records import DEFAULT_DIGEST, Digest, RenderedDigest, Subscriber
from flows.render.digest import publisher_of
from flows.render.footer import with_unsubscribe_token
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
    name: str = DEFAULT_DIGEST,
) -> Callable[[Subscriber], RenderedDigest]:
    """reader -> what they are sent. Readers who said nothing share one rendering (with
    links, when there is an endpoint); the others get the week rendered for them."""
    with session_scope(settings.database_url) as session:
        said = feedback_store.feedback_by_email(session)
    base = feedback_base(settings)

    def render(week: Digest) -> RenderedDigest:
        return render_email(settings, week, name, feedback_base=base)

    shared = render(digest) if base else rendered

    def rendering(reader: Subscriber) -> RenderedDigest:
        own = said.get(reader.email)
        copy = render(for_reader(digest, own, publisher_of)) if own else shared
        if not base:
            return copy
        return with_unsubscribe_token(sign_rendering(copy, reader.id, reader.token), reader.token)

    return rendering
