"""The coverage line of a story, as the email, its text part and the JSON show it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from flows.records import Story
from flows.sanitise import safe_url
from flows.stories.coverage import Coverage, coverage_of


@dataclass(frozen=True)
class CoverageView:
    """ "3 outlets (2 feeds, 1 newsletter)", who had it first and when, the primary source."""

    summary: str
    single: bool  # one outlet: no "first" to tell apart from the primary
    first: str
    first_when: str
    primary: str
    primary_url: str | None
    primary_note: str  # "earliest" or "linked by 2"


def counted(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def when(moment: datetime, zone: tzinfo | None, timed: bool) -> str:
    """The day, and the time when it is known to the minute."""
    local = moment.astimezone(zone) if zone else moment
    return f"{local:%a %d %b %Y}" + (f" {local:%H:%M}" if timed else "")


def coverage_view(coverage: Coverage, zone: tzinfo | None) -> CoverageView:
    kinds = [counted(n, k) for n, k in ((coverage.feeds, "feed"),
                                         (coverage.newsletters, "newsletter")) if n]  # fmt: skip
    note = f"linked by {coverage.linked_by}" if coverage.linked_by else "earliest"
    return CoverageView(
        summary=f"{counted(len(coverage.outlets), 'outlet')} ({', '.join(kinds)})",
        single=len(coverage.outlets) == 1,
        first=coverage.first.name,
        first_when=when(coverage.first_at, zone, coverage.first_timed),
        primary=coverage.primary.name,
        primary_url=safe_url(coverage.primary.url),
        primary_note=note,
    )


def story_coverage(
    story: Story, kinds: Mapping[str, str], zone: tzinfo | None
) -> CoverageView | None:
    return coverage_view(coverage_of(story, kinds), zone) if story.documents else None


def coverage_to_json(story: Story, kinds: Mapping[str, str]) -> dict[str, Any] | None:
    """The same facts for other tools: outlets with their kind, first, primary."""
    if not story.documents:
        return None
    coverage = coverage_of(story, kinds)
    return {
        "outlets": len(coverage.outlets),
        "feeds": coverage.feeds,
        "newsletters": coverage.newsletters,
        "first": {"outlet": coverage.first.name, "at": coverage.first_at.isoformat()},
        "primary": {
            "outlet": coverage.primary.name,
            "url": safe_url(coverage.primary.url),
            "why": "linked" if coverage.linked_by else "earliest",
            "linked_by": coverage.linked_by,
        },
        "by": [
            {"outlet": o.name, "kind": o.kind, "url": safe_url(o.url)} for o in coverage.outlets
        ],
    }
