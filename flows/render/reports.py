"""Reports for people: the markdown artifacts published to Prefect."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from flows.records import Digest, SourceReport, WeekReport


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def sources_markdown(reports: Sequence[SourceReport]) -> str:
    lines = [
        "| source | status | new | updated | unchanged | duplicate | failed | reason |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in reports:
        reason = r.error or "; ".join(f"{f.identity}: {f.reason}" for f in r.failures)
        lines.append(
            f"| {_cell(r.source)} | {r.status} | {r.new} | {r.updated} | {r.unchanged} "
            f"| {r.duplicate} | {r.failed} | {_cell(reason)} |"
        )
    return "\n".join(lines)


def sources_summary(reports: Sequence[SourceReport]) -> str:
    """The ingest in one line: how many sources ended in each status, and the documents."""
    statuses = Counter(r.status for r in reports)
    by_status = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "none"
    counts = ("new", "updated", "unchanged", "duplicate", "failed")
    documents = ", ".join(f"{sum(getattr(r, k) for r in reports)} {k}" for k in counts)
    return f"{len(reports)} sources: {by_status}; documents: {documents}"


def digest_markdown(digest: Digest, report: WeekReport) -> str:
    lines = [
        f"# {_cell(digest.title)} {digest.week}",
        "",
        f"{len(digest.stories)} stories from {digest.document_count} documents; "
        f"status: {report.status}, sent {report.sent}, already sent {report.skipped}, "
        f"failed {report.failed}.",
        *(
            ["", *(f"- {_cell(line)}" for line in report.error.splitlines())]
            if report.error
            else []
        ),
        "",
        "| # | story | sources | date |",
        "|---:|---|---:|---|",
    ]
    for rank, story in enumerate(digest.stories, start=1):
        thread = f" (continuing from {story.continues.first_week})" if story.continues else ""
        lines.append(
            f"| {rank} | {_cell(story.headline)}{thread} | {len(story.sources)} "
            f"| {story.published_at:%Y-%m-%d} |"
        )
    if digest.late:
        late = sum(len(story.documents) for story in digest.late)
        lines += [
            "",
            f"## Late arrivals: {len(digest.late)} stories, {late} documents",
            "",
            "Published in earlier weeks, stored after those weeks' digests were sent.",
            "",
            "| # | story | sources | published |",
            "|---:|---|---:|---|",
        ]
        for rank, story in enumerate(digest.late, start=len(digest.stories) + 1):
            lines.append(
                f"| {rank} | {_cell(story.headline)} | {len(story.sources)} "
                f"| late: {story.published_at:%Y-%m-%d} |"
            )
    return "\n".join(lines)
