"""Source rows: which sources exist, and how each one's last run went."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.model import SourceStatus


def sync_sources(session: Session, sources: Iterable[tuple[str, str, str | None]]) -> None:
    """Make sure each configured (name, kind, location) has a row; health is kept."""
    for name, kind, location in sources:
        row = session.scalar(select(models.Source).where(models.Source.name == name))
        if row is None:
            session.add(models.Source(name=name, kind=kind, location=location))
        else:
            row.kind, row.location = kind, location
    session.flush()


def source_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    wanted = set(names)
    rows = session.execute(
        select(models.Source.name, models.Source.id).where(models.Source.name.in_(wanted))
    )
    found = {name: value for name, value in rows}
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"unknown sources (not synced from the config): {sorted(missing)}")
    return found


def record_run(
    session: Session,
    name: str,
    status: str,
    error: str | None,
    counts: Mapping[str, int],
    now: datetime,
) -> None:
    """Keep a source's last status; failures count up, any success resets them."""
    row = session.scalar(select(models.Source).where(models.Source.name == name))
    if row is None:
        raise LookupError(f"unknown source {name!r}")
    row.last_status = status
    row.last_error = error
    row.last_run_at = now
    row.last_counts = json.dumps(dict(counts), sort_keys=True)
    row.consecutive_failures = row.consecutive_failures + 1 if status == "failed" else 0


def list_sources(session: Session) -> list[SourceStatus]:
    rows = session.scalars(select(models.Source).order_by(models.Source.name))
    return [
        SourceStatus(
            name=r.name,
            kind=r.kind,
            location=r.location,
            disabled=r.disabled,
            last_status=r.last_status,
            last_error=r.last_error,
            consecutive_failures=r.consecutive_failures,
            last_run_at=as_utc(r.last_run_at),
            next_fetch_at=as_utc(r.next_fetch_at),
            counts=json.loads(r.last_counts) if r.last_counts else {},
        )
        for r in rows
    ]
