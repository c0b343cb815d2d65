"""What the archive's Atom feed needs of the ledger: which weeks went out, and when first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from db.late import SENT_STATES
from flows.records import DEFAULT_DIGEST


def first_sent(session: Session, name: str = DEFAULT_DIGEST) -> dict[str, datetime]:
    """Each week delivered to at least one reader (an e-mail or a webhook), with the moment
    of its earliest delivery line: a feed entry's date (a resend moves its line's time, so
    a date may move later, never earlier)."""
    rows = session.execute(
        select(models.Digest.week, func.min(models.Delivery.updated_at))
        .join(models.Delivery, models.Delivery.digest_id == models.Digest.id)
        .where(models.Delivery.state.in_(SENT_STATES), models.Digest.name == name)
        .group_by(models.Digest.week)
    )
    return {week: as_utc(moment) for week, moment in rows}
