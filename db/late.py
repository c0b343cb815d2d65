"""Which weeks were sent and which digests hold which documents: what late arrivals need."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from db import models
from db.documents import documents_between, documents_with_ids
from db.engine import as_utc
from flows.stories.late import WeekDocuments, late_for, split_frozen
from flows.weeks import week_bounds

# "sending" counts: the run died after the message data went out, so it may have arrived.
SENT_STATES = ("sent", "sending")


def week_documents(session: Session, week: str, zone: ZoneInfo) -> WeekDocuments:
    """The documents of `week`'s digest: as it holds them once sent; otherwise those
    published in it that no sent digest shows yet, plus the late arrivals it takes."""
    starts, ends = week_bounds(week, zone)
    sent = sent_weeks(session)
    if week in sent:
        return split_frozen(starts, documents_with_ids(session, held_by(session, week)))
    shown = _shown_in_sent()
    published = documents_between(session, starts, ends)
    # A document a sent digest already shows is not shown again (its date may have moved).
    seen = set(session.scalars(select(shown.c.document_id).where(
        shown.c.document_id.in_([d.id for d in published]))))  # fmt: skip
    own = tuple(d for d in published if d.id not in seen)
    if not sent:
        return WeekDocuments(own, ())
    earliest, _ = week_bounds(min(sent), zone)  # no late arrival predates the first sent week
    candidates = [
        (document_id, as_utc(moment))
        for document_id, moment in session.execute(
            select(models.Document.id, models.Document.published_at).where(
                models.Document.published_at >= earliest,
                models.Document.published_at < starts,
                models.Document.id.not_in(select(shown.c.document_id)),
            )
        )
    ]
    late = late_for(week, zone, sent, candidates, holders(session, [c[0] for c in candidates]))
    return WeekDocuments(own, tuple(documents_with_ids(session, late)))


def sent_weeks(session: Session) -> frozenset[str]:
    """Weeks whose digest went to at least one reader."""
    return frozenset(
        session.scalars(
            select(models.Digest.week).where(
                exists().where(
                    models.Delivery.digest_id == models.Digest.id,
                    models.Delivery.state.in_(SENT_STATES),
                )
            )
        )
    )


def held_by(session: Session, week: str) -> list[int]:
    """The documents the stored stories of `week` hold."""
    return list(
        session.scalars(
            select(models.StoryDocument.document_id)
            .join(models.Story, models.Story.id == models.StoryDocument.story_id)
            .where(models.Story.week == week)
        )
    )


def holders(session: Session, document_ids: Collection[int]) -> dict[int, set[str]]:
    """For each document, the weeks whose stored stories hold it."""
    found: dict[int, set[str]] = defaultdict(set)
    if document_ids:
        rows = session.execute(
            select(models.StoryDocument.document_id, models.Story.week)
            .join(models.Story, models.Story.id == models.StoryDocument.story_id)
            .where(models.StoryDocument.document_id.in_(list(document_ids)))
        )
        for document_id, week in rows:
            found[document_id].add(week)
    return dict(found)


def _shown_in_sent():  # type: ignore[no-untyped-def]
    """Subquery: (document_id, week) of every document a sent digest holds."""
    return (
        select(models.StoryDocument.document_id, models.Story.week)
        .join(models.Story, models.Story.id == models.StoryDocument.story_id)
        .join(models.Digest, models.Digest.week == models.Story.week)
        .where(
            exists().where(
                models.Delivery.digest_id == models.Digest.id,
                models.Delivery.state.in_(SENT_STATES),
            )
        )
        .subquery()
    )
