"""The labelled set's figures (tests/data/eval/): near-duplicates, stories, boilerplate and
dates, measured through the real steps on a temporary SQLite store, against their floors.

Run: make bench (or .venv/bin/python tests/bench/bench_quality.py)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console
from rich.table import Table

from tests.support.quality import measure


def main() -> None:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        f = measure(f"sqlite:///{Path(folder) / 'eval.db'}")
    seconds = time.perf_counter() - start
    table = Table("measure", "value", "floor", "")
    rows = [
        ("near-duplicates, pairwise precision", f.near_duplicates.precision, 0.98),
        ("near-duplicates, pairwise recall", f.near_duplicates.recall, 0.98),
        ("stories, B-cubed precision", f.stories.precision, 0.92),
        ("stories, B-cubed recall", f.stories.recall, 0.92),
        ("content sentences kept", f.content_kept, 0.98),
        ("undated documents in the right ISO week", f.undated_right_week, 0.95),
    ]
    for name, value, floor in rows:
        table.add_row(name, f"{value:.3f}", f"{floor:.2f}", "ok" if value >= floor else "BELOW")
    leaked = len(f.boilerplate_in_digests)
    table.add_row("boilerplate sentences in rendered digests", str(leaked), "0",
                  "ok" if leaked == 0 else "LEAKED")  # fmt: skip
    console = Console(width=120)
    console.print(table)
    console.print(
        f"{f.documents} documents, {f.units} story units, {f.undated} without a date; "
        f"{seconds:.1f} s through normalise, store, near-duplicates, stories and rendering"
    )


if __name__ == "__main__":
    main()
