"""Peak memory of `digest ingest` as a user runs it, the whole process tree: the command
and the workers of its parsing pool (children of its forkserver), which the command's own
peak (bench_commands.py) leaves out.

For each size (300, 1,000 and 2,000 feeds x 20 entries by default, the generated feeds of
bench_commands.py on a loopback static server): a fresh Prefect home and database,
then `digest ingest` (first run: it starts the local Prefect server, which is sampled
apart, not counted in the tree) and `digest ingest` again (every feed unchanged). During
each, every process of the tree is sampled with psutil every INTERVAL seconds: the peak
resident size (RSS) of the command, of its largest pool worker and of the tree's sum,
and the peak of the tree's proportional set size (PSS: pages shared between the forked
workers counted once, in shares; read less often, as it walks each process's maps).

Run: .venv/bin/python tests/bench/bench_memory.py [--feeds 300 1000 2000] [--interval 0.1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_commands import (  # noqa: E402
    BIN,
    ENTRIES,
    digest_config,
    static_server,
    stop_local_prefect,
    user_env,
    write_feeds,
)

MB = 1024 * 1024
PSS_EVERY = 5  # samples between two PSS readings


@dataclass
class Peaks:
    label: str
    seconds: float = 0.0
    command_mb: float = 0.0
    worker_mb: float = 0.0  # the largest single process of the tree other than the command
    tree_rss_mb: float = 0.0
    tree_pss_mb: float = 0.0
    processes: int = 0  # the most processes seen in the tree at once
    maxrss_mb: float = 0.0  # the kernel's peak for the command alone (wait4), a check
    server_mb: float = 0.0  # the local Prefect server, not counted in the tree
    samples: int = 0
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (s, tree RSS MB)


def _rss(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss / MB
    except psutil.Error:  # it ended between the listing and the reading
        return 0.0


def _pss(process: psutil.Process) -> float:
    try:
        return process.memory_full_info().pss / MB
    except psutil.Error:
        return 0.0


def _is_server(process: psutil.Process, known: dict[int, bool]) -> bool:
    """The local Prefect server, which the first command of a fresh home starts as its child.
    Only a yes is kept: just forked, before its exec, the server still shows the command's
    own command line."""
    if not known.get(process.pid):
        try:
            line = process.cmdline()
        except psutil.Error:
            line = []
        joined = " ".join(line)
        known[process.pid] = "prefect" in joined and ("server" in line or "uvicorn" in joined)
    return known[process.pid]


def _sample(peaks: Peaks, command: psutil.Process, known: dict[int, bool]) -> None:
    try:
        tree = command.children(recursive=True)
    except psutil.Error:
        return
    servers = [p for p in tree if _is_server(p, known)]
    others = [p for p in tree if p not in servers]
    if not servers and (found := _server(Path(command.cwd()))) is not None:
        servers = [found]  # started by an earlier command: no longer a child
    mine = _rss(command)
    theirs = [_rss(p) for p in others]
    total = mine + sum(theirs)
    peaks.command_mb = max(peaks.command_mb, mine)
    peaks.worker_mb = max([peaks.worker_mb, *theirs])
    peaks.tree_rss_mb = max(peaks.tree_rss_mb, total)
    peaks.processes = max(peaks.processes, 1 + len(others))
    if peaks.samples % PSS_EVERY == 0:
        pss = _pss(command) + sum(_pss(p) for p in others)
        peaks.tree_pss_mb = max(peaks.tree_pss_mb, pss)
    peaks.server_mb = max([peaks.server_mb, *(_rss(p) for p in servers)])
    peaks.samples += 1
    peaks.timeline.append((time.monotonic(), total))


def measured(label: str, argv: list[str], env: dict[str, str], work: Path, every: float) -> Peaks:
    """One fresh process, sampled with its tree until it ends."""
    known: dict[int, bool] = {}
    log = (work / "logs" / f"{label.replace(' ', '-')}.log").open("a")
    peaks = Peaks(label)
    start = time.monotonic()
    process = subprocess.Popen(argv, env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    command = psutil.Process(process.pid)
    while True:
        with contextlib.suppress(psutil.Error):
            _sample(peaks, command, known)
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(every)
    peaks.seconds = time.monotonic() - start
    peaks.maxrss_mb = usage.ru_maxrss / 1024
    peaks.timeline = [(t - start, mb) for t, mb in peaks.timeline]
    log.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{label}: exit {code}; see {log.name}")
    return peaks


def _server(work: Path) -> psutil.Process | None:
    from flows.orchestration.local_server import read_state

    state = read_state(work / "prefect-home")
    if state is None:
        return None
    try:
        return psutil.Process(state.pid)
    except psutil.Error:
        return None


def run(feeds: int, every: float, keep: bool) -> list[Peaks]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-memory-{feeds}-"))
    (work / "logs").mkdir()
    size = write_feeds(work / "feeds", feeds)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"{feeds} feeds x {ENTRIES} entries ({size / 1e6:.0f} MB) in {work}; {load}", flush=True)
    server, port = static_server(work / "feeds")
    env = user_env(work)
    digest = [str(BIN / "digest")]
    config = ["--config", str(digest_config(work, port, feeds))]
    results = []
    try:
        for label in ("ingest first run", "ingest unchanged rerun"):
            peaks = measured(f"{feeds} feeds {label}", [*digest, "ingest", *config], env, work,
                             every)  # fmt: skip
            results.append(peaks)
            print(f"  {row(peaks)}", flush=True)
    finally:
        stop_local_prefect(work)
        server.terminate()
        server.wait(10)
    if keep:
        print(f"  kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return results


HEADER = (
    "| run | s | command MB | largest worker MB | tree RSS MB | tree PSS MB | processes "
    "| command ru_maxrss MB | Prefect server MB |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def row(p: Peaks) -> str:
    return (
        f"| {p.label} | {p.seconds:.1f} | {p.command_mb:.0f} | {p.worker_mb:.0f} "
        f"| {p.tree_rss_mb:.0f} | {p.tree_pss_mb:.0f} | {p.processes} | {p.maxrss_mb:.0f} "
        f"| {p.server_mb:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[300, 1000, 2000])
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--keep", action="store_true", help="keep the feeds, database and logs")
    parser.add_argument("--timeline", action="store_true", help="print the tree's RSS over time")
    args = parser.parse_args()
    results = [p for feeds in args.feeds for p in run(feeds, args.interval, args.keep)]
    print(HEADER)
    for peaks in results:
        print(row(peaks))
    if args.timeline:
        for peaks in results:
            step = max(1, len(peaks.timeline) // 40)
            points = " ".join(f"{t:.0f}s:{mb:.0f}" for t, mb in peaks.timeline[::step])
            print(f"{peaks.label}: {points}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
