"""Benchmark: a 300-story week renders under Gmail's 102 KB in under 0.5 s.

Run: make bench (or .venv/bin/python tests/bench/bench_render.py)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console
from rich.table import Table

from flows.render.digest import SIZE_LIMIT, render_digest
from tests.unit.test_render import digest

RUNS = 5


def main() -> None:
    table = Table("stories", "HTML bytes", "stories shown", "median s", "limit", "budget s")
    for count in (10, 100, 300):
        week = digest(count, sources=3, words=60)
        times, rendered = [], None
        for _ in range(RUNS):
            start = time.perf_counter()
            rendered = render_digest(week, archive_url="https://digest.example/2025-W43.html")
            times.append(time.perf_counter() - start)
        assert rendered is not None
        size = len(rendered.html.encode())
        shown = rendered.html.count('class="headline"')
        median = statistics.median(times)
        fits = "ok" if size <= SIZE_LIMIT else "OVER"
        fast = "ok" if median < 0.5 else "SLOW"
        table.add_row(str(count), f"{size:,}", str(shown), f"{median:.3f}", fits, fast)
    Console().print(table)


if __name__ == "__main__":
    main()
