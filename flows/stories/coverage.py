"""Who told a story: how many outlets and of what kind, who had it first and when, and its
primary source (the one the others link to, else the earliest)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flows.records import Sighting, StoredDocument, Story

FEED_KINDS = frozenset({"feed"})  # a source kind told as a feed; the others are newsletters
TIMED = frozenset({"feed", "header"})  # dates known to the minute; others are a day's
_URL = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)


@dataclass(frozen=True)
class Outlet:
    name: str  # as a reader knows it: the publisher, else the link's domain, else the source
    kind: str  # "feed" | "newsletter"
    url: str | None  # its text of the story


@dataclass(frozen=True)
class Coverage:
    outlets: tuple[Outlet, ...]  # each once, the first to have it first
    first_at: datetime  # when the first outlet had it
    first_timed: bool  # first_at is known to the minute (a feed's or a header's date)
    primary: Outlet
    linked_by: int  # how many other outlets' texts link to the primary; 0: it is the earliest

    @property
    def feeds(self) -> int:
        return sum(1 for o in self.outlets if o.kind == "feed")

    @property
    def newsletters(self) -> int:
        return sum(1 for o in self.outlets if o.kind == "newsletter")

    @property
    def first(self) -> Outlet:
        return self.outlets[0]


def outlet_name(sighting: Sighting) -> str:
    host = urlsplit(sighting.url).hostname if sighting.url else None
    return sighting.publisher or (host.removeprefix("www.") if host else sighting.source)


def coverage_of(story: Story, kinds: Mapping[str, str]) -> Coverage:
    """`kinds` maps a source's name to its kind ("feed", "files", "mailbox"); a source
    missing from it (no longer configured) counts as a newsletter."""
    members = sorted(story.documents, key=lambda d: (d.published_at, d.id))
    outlets: dict[str, Outlet] = {}
    for doc in members:
        for s in doc.sightings:
            if (name := outlet_name(s)) not in outlets:
                kind = "feed" if kinds.get(s.source) in FEED_KINDS else "newsletter"
                outlets[name] = Outlet(name, kind, s.url or doc.url)
    # A story of one document links to nothing else (most stories of a week).
    links = [(doc, linked_by(doc, members)) for doc in members] if len(members) > 1 else []
    best, count = max(links, key=lambda pair: pair[1]) if links else (members[0], 0)
    if count == 0:
        best = members[0]
    primary = (
        outlets[outlet_name(best.sightings[0])] if best.sightings else next(iter(outlets.values()))
    )
    first = members[0]
    return Coverage(
        tuple(outlets.values()), first.published_at, first.date_how in TIMED, primary, count
    )


def linked_by(target: StoredDocument, members: list[StoredDocument]) -> int:
    """How many other members (of other outlets) have a link to `target` in their text."""
    own = {_address(u) for u in (target.url, *(s.url for s in target.sightings)) if u}
    own.discard("")
    if not own:
        return 0
    names = {outlet_name(s) for s in target.sightings}
    count = 0
    for doc in members:
        if doc.id == target.id or names & {outlet_name(s) for s in doc.sightings}:
            continue
        if own & {_address(u) for u in _URL.findall(doc.text)}:
            count += 1
    return count


def _address(url: str) -> str:
    """A link's host and path, which two ways of writing one address share; "" when it has
    no path (a home page says nothing of a story)."""
    parts = urlsplit(url.rstrip(".,;:!?"))
    path = parts.path.rstrip("/")
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{path}" if host and path else ""
