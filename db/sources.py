"""Source rows: which sources exist, and how each one's last run went."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Row, Text, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from db import models
from db.engine import as_utc
from flows.records import SourceStatus


def sync_sources(session: Session, sources: Iterable[tuple[str, str, str | None]]) -> None:
    """Make sure each configured (name, kind, location) has a row; health is kept, and so
    is a location a permanent redirect moved, until the config names another one. Only
    what is new or changed is written: every run of the ingest starts here."""
    wanted = list(sources)
    source = models.Source
    known = {
        name: (kind, configured)
        for name, kind, configured in session.execute(
            select(source.name, source.kind, source.configured).where(
                source.name.in_({name for name, _, _ in wanted})
            )
        )
    }
    new = [{"name": name, "kind": kind, "location": location, "configured": location}
           for name, kind, location in wanted if name not in known]  # fmt: skip
    if new:
        session.execute(insert(source), new)
    for name, kind, location in wanted:
        if name not in known or known[name] == (kind, location):
            continue
        changes: dict[str, Any] = {"kind": kind}
        if known[name][1] != location:  # a new address deserves a new chance
            changes.update(location=location, configured=location, disabled=False)
        session.execute(update(source).where(source.name == name).values(**changes))


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
    """record_run for several sources in one UPDATE run for each: no row is loaded (a
    run where every feed answers 304 records 500 of them, and that is all it writes), so
    a Source object this session loaded before does not see the change."""
    if not runs:
        return
    names = {run.name for run in runs}
    known = set(session.scalars(select(models.Source.name).where(models.Source.name.in_(names))))
    if missing := names - known:
        raise LookupError(f"unknown sources: {sorted(missing)}")
    session.execute(_RECORD, [_recorded(run, now, **run.health) for run in runs])


_source = models.Source.__table__.c
_RECORD = (
    models.Source.__table__.update()
    .where(_source.name == bindparam("run_name"))
    .values(
        last_status=bindparam("run_status"),
        last_error=bindparam("run_error"),
        last_run_at=bindparam("run_at"),
        last_counts=bindparam("run_counts"),
        # failures count up; anything else (ok, unchanged, partial) starts again at 0
        consecutive_failures=case(
            (bindparam("run_failed", type_=Boolean), _source.consecutive_failures + 1), else_=0
        ),
        next_fetch_at=bindparam("run_next_fetch_at"),
        etag=func.coalesce(bindparam("run_etag", type_=Text), _source.etag),
        last_modified=func.coalesce(
            bindparam("run_last_modified", type_=Text), _source.last_modified
        ),
        location=func.coalesce(bindparam("run_moved_to", type_=Text), _source.location),
        disabled=or_(_source.disabled, bindparam("run_disable", type_=Boolean)),
    )
)


def _recorded(
    run: Run,
    now: datetime,
    *,
    next_fetch_at: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    moved_to: str | None = None,
    disable: bool = False,
) -> dict[str, Any]:
    """The parameters of _RECORD for one run; an ETag or Last-Modified not sent this time
    keeps the one known, as does the location when nothing moved."""
    return {
        "run_name": run.name,
        "run_status": run.status,
        "run_error": run.error,
        "run_at": now,
        "run_counts": json.dumps(dict(run.counts), sort_keys=True),
        "run_failed": run.status == "failed",
        "run_next_fetch_at": next_fetch_at,
        "run_etag": etag,
        "run_last_modified": last_modified,
        "run_moved_to": moved_to or None,
        "run_disable": disable,
    }


def source_statuses(session: Session, names: Iterable[str]) -> dict[str, SourceStatus]:
    """Several sources' health in one query; a name without a row is an error."""
    wanted = set(names)
    found = known_statuses(session, wanted)
    if missing := wanted - found.keys():
        raise LookupError(f"unknown sources: {sorted(missing)}")
    return found


def known_statuses(session: Session, names: Iterable[str]) -> dict[str, SourceStatus]:
    """The health of those of the sources that have a row."""
    rows = session.execute(select(*_STATUS).where(models.Source.name.in_(set(names))))
    return {r.name: _status(r) for r in rows}


def list_sources(session: Session) -> list[SourceStatus]:
    return [_status(r) for r in session.execute(select(*_STATUS).order_by(models.Source.name))]


# The columns a SourceStatus is made of, read as plain rows: loading 500 ORM objects
# to read them once was most of the time it took to read them.
_STATUS = [
    models.Source.__table__.c[name]
    for name in ("name", "kind", "location", "disabled", "last_status", "last_error",
                 "consecutive_failures", "last_run_at", "next_fetch_at", "last_counts",
                 "etag", "last_modified", "configured")
]  # fmt: skip


def _status(r: Row[Any]) -> SourceStatus:
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
        configured=r.configured,
    )
