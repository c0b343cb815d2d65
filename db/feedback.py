"""What readers said by the links in their email (muted sources, "less like this"), and
the stored stories such a link names."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import Feedback


def remember(
    session: Session,
    subscriber_id: int,
    kind: str,
    target: str,
    label: str,
    now: datetime,
    *,
    text: str = "",
    names: tuple[str, ...] = (),
) -> bool:
    """Keep one thing a reader said; saying it again changes nothing. True when new."""
    found = session.scalar(
        select(models.ReaderFeedback.id).where(
            models.ReaderFeedback.subscriber_id == subscriber_id,
            models.ReaderFeedback.kind == kind,
            models.ReaderFeedback.target == target,
        )
    )
    if found is not None:
        return False
    profile = json.dumps({"text": text, "names": list(names)}, ensure_ascii=False)
    session.add(models.ReaderFeedback(subscriber_id=subscriber_id, kind=kind, target=target,
                                      label=label, profile=profile, created_at=now))  # fmt: skip
    session.flush()
    return True


def forget(session: Session, subscriber_id: int, feedback_id: int) -> bool:
    """Undo one thing a reader said (only the reader's own). True when there was one."""
    done = session.execute(
        delete(models.ReaderFeedback).where(
            models.ReaderFeedback.id == feedback_id,
            models.ReaderFeedback.subscriber_id == subscriber_id,
        )
    )
    return bool(done.rowcount)


def feedback_of(session: Session, subscriber_id: int) -> list[Feedback]:
    rows = session.scalars(
        select(models.ReaderFeedback)
        .where(models.ReaderFeedback.subscriber_id == subscriber_id)
        .order_by(models.ReaderFeedback.created_at, models.ReaderFeedback.id)
    )
    return [_record(row) for row in rows]


def feedback_by_email(session: Session) -> dict[str, list[Feedback]]:
    """Every reader's feedback, by address: read once for a week's delivery."""
    rows = session.execute(
        select(models.Subscriber.email, models.ReaderFeedback)
        .join(models.ReaderFeedback, models.ReaderFeedback.subscriber_id == models.Subscriber.id)
        .order_by(models.ReaderFeedback.id)
    )
    found: dict[str, list[Feedback]] = {}
    for email, row in rows:
        found.setdefault(email, []).append(_record(row))
    return found


def stored_story(session: Session, week: str, key: str) -> tuple[str, str, list[str]] | None:
    """(headline, extract, member texts) of a story of a built week, or None."""
    row = session.scalar(
        select(models.Story).where(models.Story.week == week, models.Story.key == key)
    )
    if row is None:
        return None
    texts = session.scalars(
        select(models.Document.text)
        .join(models.StoryDocument, models.StoryDocument.document_id == models.Document.id)
        .where(models.StoryDocument.story_id == row.id)
        .order_by(models.StoryDocument.position)
    )
    return row.headline, row.extract, list(texts)


def _record(row: models.ReaderFeedback) -> Feedback:
    profile = json.loads(row.profile or "{}")
    return Feedback(
        id=row.id,
        kind=row.kind,
        target=row.target,
        label=row.label,
        created_at=as_utc(row.created_at),
        text=profile.get("text", ""),
        names=tuple(profile.get("names", ())),
    )
