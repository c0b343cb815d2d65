"""The stored documents one week's digest is made of: its own, and the late arrivals it
takes (the queries are db.late's, the policy flows.stories.late's)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db import late as late_store
from db.stored_documents import documents_between, documents_with_ids
from flows.records import DEFAULT_DIGEST
from flows.stories.late import WeekDocuments, late_for, split_frozen
from flows.weeks import week_bounds


def week_documents(
    session: Session, week: str, zone: ZoneInfo, name: str = DEFAULT_DIGEST
) -> WeekDocuments:
    """The documents of `week`'s digest `name`: as it holds them once sent; otherwise those
    published in it that no sent week of it shows yet, plus the late arrivals it takes."""
    starts, ends = week_bounds(week, zone)
    sent = late_store.sent_weeks(session, name)
    if week in sent:
        held = late_store.held_by(session, week, name)
        return split_frozen(starts, documents_with_ids(session, held))
    published = documents_between(session, starts, ends)
    # A document a sent digest already shows is not shown again (its date may have moved).
    seen = late_store.shown_in_sent(session, [d.id for d in published], name)
    own = tuple(d for d in published if d.id not in seen)
    if not sent:
        return WeekDocuments(own, ())
    earliest, _ = week_bounds(min(sent), zone)  # no late arrival predates the first sent week
    candidates = late_store.unshown_between(session, earliest, starts, name)
    holders = late_store.holders(session, [c[0] for c in candidates], name)
    late = late_for(week, zone, sent, candidates, holders)
    return WeekDocuments(own, tuple(documents_with_ids(session, late)))
