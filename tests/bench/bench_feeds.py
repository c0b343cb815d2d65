"""Benchmark of the ingest flow over feeds served from loopback.

- 500 feeds x 20 entries: the whole ingest flow (fetch, parse, normalise, dedupe, store,
  through Prefect) against feedparser alone parsing the same 500 files, in one run;
- a second run where every feed answers 304, against the first;
- peak memory of the ingest at 100, 500 and 2,000 feeds (each in a process of its own),
  and of its largest child process (a worker of the parsing pool, or the feed server).

Run: make bench (or .venv/bin/python tests/bench/bench_feeds.py [--quick])
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ENTRIES = 20


def parse_alone(paths: list[Path]) -> float:
    import feedparser

    start = time.perf_counter()
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert len(parsed.entries) == ENTRIES
    return time.perf_counter() - start


def ingest_twice(feeds: int, work: Path) -> dict[str, float]:
    """In this process: serve, ingest, ingest again; the times and the peak memory."""
    from flows.ingest import run_ingest
    from flows.settings import load_settings
    from tests.bench.feed_files import write_feeds

    folder = work / "feeds"
    write_feeds(folder, feeds, ENTRIES)
    port_file = work / "port"
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("feed_files.py")),
                               str(folder), str(port_file)])  # fmt: skip
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        config = work / "digest.toml"
        lines = [f'[digest]\ndatabase_url = "sqlite:///{work}/bench.db"\n']
        for f in range(feeds):
            lines.append(
                f'[[sources]]\nname = "feed{f}"\nkind = "feed"\nurl = "{base}/feed{f}.xml"\n'
            )
        config.write_text("\n".join(lines), encoding="utf-8")
        warm_up()
        start = time.perf_counter()
        settings = load_settings(config)  # DIGEST_PREFECT_TASK_RUNNER=dask picks Dask
        first = run_ingest(settings, str(config))
        first_time = time.perf_counter() - start
        assert sum(r.new for r in first) == feeds * ENTRIES, [r for r in first if r.status != "ok"][
            :3
        ]
        start = time.perf_counter()
        second = run_ingest(settings, str(config))
        second_time = time.perf_counter() - start
        assert all(r.status == "unchanged" for r in second)
    finally:
        server.kill()
        server.wait()
    from flows.runner import stop_cpu_pool

    stop_cpu_pool()  # its workers are children: their peak is known once they are gone
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"first": first_time, "second": second_time, "peak_mb": peak, "child_mb": child}


def warm_up() -> None:
    """Start Prefect's local server before the clock starts: that is not ingest's cost."""
    from prefect import flow

    flow(lambda: None, name="warm-up")()


def in_subprocess(feeds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run([sys.executable, __file__, "--child", str(feeds), work],
                             capture_output=True, text=True, check=True, env=_env())  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    return env


def main(quick: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from tests.bench.feed_files import write_feeds

    sizes = (100,) if quick else (100, 500, 2000)
    main_size = 100 if quick else 500
    console = Console()
    results = {}
    with tempfile.TemporaryDirectory() as work:
        files = write_feeds(Path(work), main_size, ENTRIES)
        for feeds in sizes:
            console.print(f"ingesting {feeds} feeds x {ENTRIES} entries ...")
            # feedparser just before and just after the ingest it is compared with: on a
            # shared machine the load changes within a minute.
            before = parse_alone(files) if feeds == main_size else 0.0
            results[feeds] = in_subprocess(feeds)
            if feeds == main_size:
                alone = (before + parse_alone(files)) / 2
    run = results[main_size]
    table = Table(title=f"{main_size} feeds x {ENTRIES} entries, SQLite, one run")
    table.add_column("measure")
    table.add_column("seconds", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row("feedparser alone (before, after)", f"{alone:.2f}", "1.00")
    table.add_row("ingest flow, first run", f"{run['first']:.2f}", f"{run['first'] / alone:.2f}")
    table.add_row("ingest flow, all 304", f"{run['second']:.2f}",
                  f"{run['second'] / run['first']:.1%} of the first")  # fmt: skip
    console.print(table)
    memory = Table(title="peak memory of the ingest process")
    memory.add_column("feeds", justify="right")
    memory.add_column("entries", justify="right")
    memory.add_column("first run s", justify="right")
    memory.add_column("peak MB", justify="right")
    memory.add_column("largest child MB", justify="right")  # a pool worker or the server
    for feeds, r in results.items():
        memory.add_row(str(feeds), str(feeds * ENTRIES), f"{r['first']:.1f}",
                       f"{r['peak_mb']:.0f}", f"{r['child_mb']:.0f}")  # fmt: skip
    console.print(memory)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(ingest_twice(int(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main(quick="--quick" in sys.argv)
