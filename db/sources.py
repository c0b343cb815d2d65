"""Source rows: which sources exist, and how each one's last run went."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.model import SourceStatus


def sync_sources(session: Session, sources: Iterable[tuple[str, str, str | None]]) -> None:
    """Make sure each configured (name, kind, location) has a row; health is kept, and so
    is a location a permanent redirect moved, until the config names another one."""
    wanted = list(sources)
    rows = {
        r.name: r
        for r in session.scalars(
            select(models.Source).where(models.Source.name.in_({name for name, _, _ in wanted}))
        )
    }
    for name, kind, location in wanted:
        row = rows.get(name)
        if row is None:
            row = models.Source(name=name, kind=kind, location=location, configured=location)
            session.add(row)
        elif row.configured != location:
            row.location = row.configured = location
            row.disabled = False  # a new address deserves a new chance
        row.kind = kind
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
    **health: Any,
) -> None:
    """Keep a source's last status; failures count up, any success resets them."""
    record_runs(session, [Run(name, status, error, counts, health)], now)


@dataclass(frozen=True)
class Run:
    """One source's run for record_runs; `health` takes record_run's keyword arguments:
    next_fetch_at, etag, last_modified, moved_to, disable."""

    name: str
    status: str
    error: str | None
    counts: Mapping[str, int]
    health: Mapping[str, Any] = field(default_factory=dict)


def record_runs(session: Session, runs: Sequence[Run], now: datetime) -> None:
    """record_run for several sources, their rows read in one query."""
    rows = {
        r.name: r
        for r in session.scalars(
            select(models.Source).where(models.Source.name.in_({run.name for run in runs}))
        )
    }
    for run in runs:
        row = rows.get(run.name)
        if row is None:
            raise LookupError(f"unknown source {run.name!r}")
        _apply(row, run, now, **run.health)


def _apply(
    row: models.Source,
    run: Run,
    now: datetime,
    *,
    next_fetch_at: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    moved_to: str | None = None,
    disable: bool = False,
) -> None:
    row.last_status = run.status
    row.last_error = run.error
    row.last_run_at = now
    row.last_counts = json.dumps(dict(run.counts), sort_keys=True)
    row.consecutive_failures = row.consecutive_failures + 1 if run.status == "failed" else 0
    row.next_fetch_at = next_fetch_at
    row.etag = etag if etag is not None else row.etag
    row.last_modified = last_modified if last_modified is not None else row.last_modified
    row.location = moved_to or row.location
    row.disabled = row.disabled or disable


def source_status(session: Session, name: str) -> SourceStatus:
    """One source's health, with what a conditional fetch needs."""
    row = session.scalar(select(models.Source).where(models.Source.name == name))
    if row is None:
        raise LookupError(f"unknown source {name!r}")
    return _status(row)


def source_statuses(session: Session, names: Iterable[str]) -> dict[str, SourceStatus]:
    """Several sources' health in one query; a name without a row is an error."""
    wanted = set(names)
    rows = session.scalars(select(models.Source).where(models.Source.name.in_(wanted)))
    found = {r.name: _status(r) for r in rows}
    if missing := wanted - found.keys():
        raise LookupError(f"unknown sources: {sorted(missing)}")
    return found


def list_sources(session: Session) -> list[SourceStatus]:
    return [_status(r) for r in session.scalars(select(models.Source).order_by(models.Source.name))]


def _status(r: models.Source) -> SourceStatus:
    return SourceStatus(
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
        etag=r.etag,
        last_modified=r.last_modified,
    )
