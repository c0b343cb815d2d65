"""Which weeks were sent and which digests hold which documents: what late arrivals need
(the policy of where a late arrival goes is flows.stories.late's). Each digest has its own:
a document another digest showed may still come late to this one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import DEFAULT_DIGEST

# "sending" counts: the run died after the message data went out, so it may have arrived.
SENT_STATES = ("sent", "sending")


def shown_in_sent(
    session: Session, document_ids: Collection[int], name: str = DEFAULT_DIGEST
) -> set[int]:
    """Those of these documents that a sent week of the digest `name` already shows."""
    sent = sent_weeks(session, name)
    if not sent:
        return set()
    return {doc for doc, weeks in holders(session, document_ids, name).items() if weeks & sent}


def unshown_between(
    session: Session, starts: datetime, ends: datetime, name: str = DEFAULT_DIGEST
) -> list[tuple[int, datetime]]:
    """(id, published) of the documents published in [starts, ends) that no sent week of the
    digest `name` shows."""
    shown = _shown_in_sent(name)
    rows = session.execute(
        select(models.Document.id, models.Document.published_at).where(
            models.Document.published_at >= starts,
            models.Document.published_at < ends,
            models.Document.id.not_in(select(shown.c.document_id)),
        )
    )
    return [(document_id, as_utc(moment)) for document_id, moment in rows]


def sent_weeks(session: Session, name: str = DEFAULT_DIGEST) -> frozenset[str]:
    """Weeks whose digest `name` went to at least one reader."""
    return frozenset(
        session.scalars(
            select(models.Digest.week).where(
                models.Digest.name == name,
                exists().where(
                    models.Delivery.digest_id == models.Digest.id,
                    models.Delivery.state.in_(SENT_STATES),
                ),
            )
        )
    )


def held_by(session: Session, week: str, name: str = DEFAULT_DIGEST) -> list[int]:
    """The documents the stored stories of `week` of the digest `name` hold."""
    return list(
        session.scalars(
            select(models.StoryDocument.document_id)
            .join(models.Story, models.Story.id == models.StoryDocument.story_id)
            .where(models.Story.week == week, models.Story.digest == name)
        )
    )


def holders(
    session: Session, document_ids: Collection[int], name: str = DEFAULT_DIGEST
) -> dict[int, set[str]]:
    """For each document, the weeks of the digest `name` whose stored stories hold it."""
    if not document_ids:
        return {}
    # Two look-ups by index rather than one join: joined, SQLite walks every story of the
    # digest and probes it once per document.
    pairs = session.execute(
        select(models.StoryDocument.story_id, models.StoryDocument.document_id).where(
            models.StoryDocument.document_id.in_(list(document_ids))
        )
    ).all()
    weeks = dict(
        session.execute(
            select(models.Story.id, models.Story.week).where(
                models.Story.id.in_({story_id for story_id, _ in pairs}),
                models.Story.digest == name,
            )
        ).all()
    )
    found: dict[int, set[str]] = defaultdict(set)
    for story_id, document_id in pairs:
        if story_id in weeks:
            found[document_id].add(weeks[story_id])
    return dict(found)


def _shown_in_sent(name: str):  # type: ignore[no-untyped-def]
    """Subquery: (document_id, week) of every document a sent week of digest `name` holds."""
    return (
        select(models.StoryDocument.document_id, models.Story.week)
        .join(models.Story, models.Story.id == models.StoryDocument.story_id)
        .join(
            models.Digest,
            (models.Digest.week == models.Story.week) & (models.Digest.name == models.Story.digest),
        )
        .where(
            models.Story.digest == name,
            exists().where(
                models.Delivery.digest_id == models.Digest.id,
                models.Delivery.state.in_(SENT_STATES),
            ),
        )
        .subquery()
    )
