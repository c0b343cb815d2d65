"""Subscribers: who gets the digest, and who asked to stop."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import Subscriber


def add(session: Session, email: str, now: datetime, origin: str = "command") -> Subscriber:
    """Subscribe `email` (again, if it had left); its unsubscribe token is kept."""
    row = _row(session, email)
    if row is None:
        row = models.Subscriber(
            email=email.lower(), origin=origin, token=secrets.token_urlsafe(24), added_at=now
        )
        session.add(row)
    elif origin == "command":
        row.unsubscribed_at = None
        row.origin = "command"
    session.flush()
    return _record(row)


def unsubscribe_email(session: Session, email: str, now: datetime) -> bool:
    """Mark `email` as gone; also works for an address only the config lists."""
    row = _row(session, email) or models.Subscriber(
        email=email.lower(), origin="config", token=secrets.token_urlsafe(24), added_at=now
    )
    session.add(row)
    changed = row.unsubscribed_at is None
    row.unsubscribed_at = row.unsubscribed_at or now
    session.flush()
    return changed


def unsubscribe_token(session: Session, token: str, now: datetime) -> str | None:
    """Unsubscribe by a link's token; returns the address, or None for an unknown token."""
    row = session.scalar(select(models.Subscriber).where(models.Subscriber.token == token))
    if row is None:
        return None
    row.unsubscribed_at = row.unsubscribed_at or now
    return row.email


def recipients(session: Session, configured: Iterable[str], now: datetime) -> list[Subscriber]:
    """This run's config recipients and the subscribers, each once, without those who
    unsubscribed.

    A config address gets a row (origin "config") for its unsubscribe token and its
    unsubscribing, but the row does not make it a reader: an address that an earlier
    run's settings or environment named, and this run's do not, is not mailed.
    """
    wanted = _addresses(configured)
    for email in wanted:
        if _row(session, email) is None:
            add(session, email, now, origin="config")
    rows = session.scalars(select(models.Subscriber).order_by(models.Subscriber.email))
    return [_record(r) for r in rows if _reads(r, wanted)]


def would_receive(session: Session, configured: Iterable[str]) -> list[str]:
    """The addresses `recipients` would return, read only: for a dry run."""
    wanted = _addresses(configured)
    rows = {r.email: r for r in session.scalars(select(models.Subscriber))}
    emails = wanted | {email for email, row in rows.items() if _reads(row, wanted)}
    return sorted(e for e in emails if e not in rows or _reads(rows[e], wanted))


def _addresses(configured: Iterable[str]) -> set[str]:
    return {e.strip().lower() for e in configured if e.strip()}


def _reads(row: models.Subscriber, configured: set[str]) -> bool:
    """Whether a row is a reader of a run whose settings name `configured`."""
    return row.unsubscribed_at is None and (row.origin != "config" or row.email in configured)


def by_id(session: Session, subscriber_id: int) -> Subscriber | None:
    """The reader a feedback link names by its id (the caller checks the link's signature)."""
    row = session.get(models.Subscriber, subscriber_id)
    return None if row is None else _record(row)


def list_all(session: Session) -> list[Subscriber]:
    rows = session.scalars(select(models.Subscriber).order_by(models.Subscriber.email))
    return [_record(r) for r in rows]


def _row(session: Session, email: str) -> models.Subscriber | None:
    return session.scalar(
        select(models.Subscriber).where(models.Subscriber.email == email.strip().lower())
    )


def _record(row: models.Subscriber) -> Subscriber:
    return Subscriber(
        email=row.email,
        origin=row.origin,
        token=row.token,
        added_at=as_utc(row.added_at),
        unsubscribed_at=as_utc(row.unsubscribed_at),
        id=row.id,
    )
