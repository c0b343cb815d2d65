"""The ingest's summary line and per-source table, as an operator reads them."""

from __future__ import annotations

import pytest

from flows.records import Failure, SourceReport
from flows.render.reports import sources_markdown, sources_summary

BROKEN = Failure("letters", "<a@b>", "no text left after cleaning")


@pytest.mark.parametrize(
    ("reports", "line"),
    [
        ([], "0 sources: none; documents: 0 new, 0 updated, 0 unchanged, 0 duplicate, 0 failed"),
        (
            [SourceReport("a", "unchanged"), SourceReport("b", "unchanged")],
            "2 sources: 2 unchanged; documents: 0 new, 0 updated, 0 unchanged, 0 duplicate, "
            "0 failed",
        ),
        (
            [
                SourceReport("a", "ok", new=3, unchanged=17),
                SourceReport("b", "ok", new=1, updated=2, duplicate=1),
                SourceReport("c", "failed", error="404 Not Found"),
                SourceReport("letters", "partial", new=4, failures=(BROKEN,)),
                SourceReport("d", "skipped", error="backing off after 2 failures"),
            ],
            "5 sources: 1 failed, 2 ok, 1 partial, 1 skipped; "
            "documents: 8 new, 2 updated, 17 unchanged, 1 duplicate, 1 failed",
        ),
    ],
)
def test_summary_counts_statuses_and_documents(reports: list[SourceReport], line: str) -> None:
    assert sources_summary(reports) == line


def test_table_gives_each_source_its_reason() -> None:
    table = sources_markdown(
        [SourceReport("c|d", "failed", error="404 Not Found"), SourceReport("letters", "partial",
                                                                            failures=(BROKEN,))]
    )  # fmt: skip
    rows = table.splitlines()[2:]
    assert rows[0] == r"| c\|d | failed | 0 | 0 | 0 | 0 | 0 | 404 Not Found |"
    assert rows[1].endswith("| 1 | <a@b>: no text left after cleaning |")
