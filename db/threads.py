"""Stories followed across weeks: the stored stories of earlier weeks, and their links."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from db import models
from db.stored_documents import documents_with_ids
from flows.records import DEFAULT_DIGEST, Continuation, StoredStory


def stored_stories(
    session: Session,
    since: str,
    before: str,
    name: str = DEFAULT_DIGEST,
    newest_from: datetime | None = None,
) -> list[StoredStory]:
    """The stored stories of the digest `name` of the weeks from `since` up to (not
    including) `before`, week by week in rank order, each with its member documents (their
    texts, not their sightings: what a later week is linked by) and the link it was stored
    with; only those with a member published at `newest_from` or later, when given."""
    story = models.Story.__table__.c
    which = (story.digest == name) & (story.week >= since) & (story.week < before)
    if newest_from is not None:
        member, document = models.StoryDocument.__table__.c, models.Document.__table__.c
        which &= story.id.in_(
            select(member.story_id)
            .join(models.Document, document.id == member.document_id)
            .where(document.published_at >= newest_from)
        )
    rows = session.execute(
        select(story.id, story.week, story.key, story.headline, story.extract,
               story.continues_week, story.continues_key, story.continues_headline,
               story.first_week)
        .where(which)
        .order_by(story.week, story.rank)
    ).all()  # fmt: skip
    if not rows:
        return []
    members: dict[int, list[int]] = defaultdict(list)
    for story_id, document_id in session.execute(
        select(models.StoryDocument.story_id, models.StoryDocument.document_id)
        .where(models.StoryDocument.story_id.in_([row.id for row in rows]))
        .order_by(models.StoryDocument.story_id, models.StoryDocument.position)
    ):
        members[story_id].append(document_id)
    documents = {
        doc.id: doc
        for doc in documents_with_ids(
            session, {i for ids in members.values() for i in ids}, sightings=False
        )
    }
    return [
        StoredStory(
            week=row.week,
            key=row.key,
            headline=row.headline,
            extract=row.extract,
            documents=tuple(documents[i] for i in members[row.id] if i in documents),
            continues=_link(row),
        )
        for row in rows
    ]


def links_of(session: Session, week: str, name: str = DEFAULT_DIGEST) -> dict[str, Continuation]:
    """Story key -> the earlier story it continues, as `week`'s stored stories say."""
    rows = session.scalars(
        select(models.Story).where(
            models.Story.digest == name,
            models.Story.week == week,
            models.Story.continues_key.is_not(None),
        )
    )
    return {row.key: link for row in rows if (link := _link(row)) is not None}


def _link(row: models.Story | Row[Any]) -> Continuation | None:
    if row.continues_week is None or row.continues_key is None:
        return None
    return Continuation(
        week=row.continues_week,
        key=row.continues_key,
        headline=row.continues_headline or "",
        first_week=row.first_week or row.continues_week,
    )
