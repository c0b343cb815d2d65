"""A week's stories and rendered digest, and the delivery ledger that sends each once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import DEFAULT_DIGEST, DeliveryRecord, RenderedDigest, Story


def save_week(
    session: Session,
    week: str,
    stories: Sequence[Story],
    rendered: RenderedDigest,
    content_hash: str,
    document_count: int,
    now: datetime,
    name: str = DEFAULT_DIGEST,
) -> int:
    """Store (or replace) the week's stories and rendered digest of the digest `name`;
    returns the digest id."""
    session.execute(
        delete(models.Story).where(models.Story.week == week, models.Story.digest == name)
    )
    carriers = _carriers(session, stories)
    rows = [_story_row(name, week, rank, story) for rank, story in enumerate(stories, start=1)]
    # Two statements for the whole week, where a flush per story took a third of a build.
    ids = session.scalars(
        insert(models.Story).returning(models.Story.id, sort_by_parameter_order=True), rows
    ).all() if rows else []  # fmt: skip
    members = [
        {"story_id": story_id, "document_id": document_id, "position": position}
        for story_id, story in zip(ids, stories, strict=True)
        for position, document_id in enumerate(dict.fromkeys(_members(story, carriers)))
    ]
    if members:
        session.execute(insert(models.StoryDocument), members)
    digest = session.scalar(_digest_of(name, week))
    if digest is None:
        digest = models.Digest(name=name, week=week)
        session.add(digest)
    if digest.content_hash != content_hash:
        digest.built_at = now
    digest.subject = rendered.subject
    digest.html = rendered.html
    digest.text = rendered.text
    digest.content_hash = content_hash
    digest.story_count = len(stories)
    digest.document_count = document_count
    session.flush()
    return digest.id


def _story_row(name: str, week: str, rank: int, story: Story) -> dict[str, object]:
    link = story.continues
    return {
        "digest": name, "week": week, "key": story.key, "rank": rank,
        "headline": story.headline, "extract": story.extract,
        "continues_week": link.week if link else None,
        "continues_key": link.key if link else None,
        "continues_headline": link.headline if link else None,
        "first_week": link.first_week if link else None,
    }  # fmt: skip


def _members(story: Story, carriers: dict[tuple[str, str], int]) -> list[int]:
    """The story's documents, then those folded into them (a near-duplicate copy) through
    its sightings: a sent digest then holds every document it showed."""
    held = [carriers[(s.source, s.identity)] for s in story.sources
            if (s.source, s.identity) in carriers]  # fmt: skip
    return [doc.id for doc in story.documents] + held


def _carriers(session: Session, stories: Sequence[Story]) -> dict[tuple[str, str], int]:
    """(source, identity) -> the document that sighting belongs to, for the stories' sightings."""
    identities = {s.identity for story in stories for s in story.sources}
    if not identities:
        return {}
    rows = session.execute(
        select(models.Source.name, models.Sighting.identity, models.Sighting.document_id)
        .join(models.Sighting.source)
        .where(models.Sighting.identity.in_(identities))
    )
    return {(name, identity): document_id for name, identity, document_id in rows}


def _digest_of(name: str, week: str):  # type: ignore[no-untyped-def]
    return select(models.Digest).where(models.Digest.name == name, models.Digest.week == week)


def stored_weeks(session: Session, name: str = DEFAULT_DIGEST) -> list[str]:
    """Weeks with a stored digest `name`: some hold only late arrivals, no document of their
    own."""
    return list(
        session.scalars(
            select(models.Digest.week)
            .where(models.Digest.name == name)
            .order_by(models.Digest.week)
        )
    )


def digest_id(session: Session, week: str, name: str = DEFAULT_DIGEST) -> int | None:
    return session.scalar(
        select(models.Digest.id).where(models.Digest.week == week, models.Digest.name == name)
    )


def delivery(session: Session, digest_id: int, recipient: str) -> DeliveryRecord | None:
    row = session.scalar(
        select(models.Delivery).where(
            models.Delivery.digest_id == digest_id, models.Delivery.recipient == recipient
        )
    )
    return None if row is None else _record(row)


def set_delivery(
    session: Session,
    digest_id: int,
    recipient: str,
    *,
    state: str,
    transport: str,
    message_id: str,
    now: datetime,
    error: str | None = None,
    location: str | None = None,
) -> None:
    """Move one ledger line to `state`; entering "sending" counts an attempt."""
    row = session.scalar(
        select(models.Delivery).where(
            models.Delivery.digest_id == digest_id, models.Delivery.recipient == recipient
        )
    )
    if row is None:
        row = models.Delivery(digest_id=digest_id, recipient=recipient, attempts=0)
        session.add(row)
    if state == "sending":
        row.attempts += 1
    row.state = state
    row.transport = transport
    row.message_id = message_id
    row.error = error
    row.location = location if location is not None else row.location
    row.updated_at = now
    session.flush()


def deliveries_for_week(
    session: Session, week: str, name: str | None = None
) -> list[DeliveryRecord]:
    """The ledger of `week`: of the digest `name`, or of every digest."""
    query = select(models.Delivery).join(models.Digest).where(models.Digest.week == week)
    if name is not None:
        query = query.where(models.Digest.name == name)
    rows = session.scalars(query.order_by(models.Digest.name, models.Delivery.recipient))
    return [_record(row) for row in rows]


def _record(row: models.Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        week=row.digest.week,
        recipient=row.recipient,
        transport=row.transport,
        state=row.state,
        message_id=row.message_id,
        attempts=row.attempts,
        error=row.error,
        location=row.location,
        updated_at=as_utc(row.updated_at),
        digest=row.digest.name,
    )
