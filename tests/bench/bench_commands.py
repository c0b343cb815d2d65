"""The `digest` commands timed as a user runs them, beside rss2email on the same feeds.

300 generated RSS feeds x 20 entries of 500 to 850 words, 27 MB as the issue's testers
had (dates spread over ten ISO weeks, about 600 documents a week), served over loopback by
a plain static server (`python -m http.server`: Last-Modified, no ETag). Each command is a
fresh process, nothing started before the clock,
Prefect's home empty at the start (the first `digest` command that runs a flow starts the
local Prefect server that later commands reuse, and pays for it):

- rss2email 3.14 `r2e run --no-send`, first run and unchanged rerun (installed with uv into
  a venv of its own under ~/.cache/newsletter-digest-bench, never in the repository);
- `digest ingest`, first run and unchanged rerun; `digest run --all-weeks --no-ingest`
  (every week's digest built and delivered to the outbox); the two as one command,
  `digest run --all-weeks`, on a new database; the two again on another new database,
  the local server up (the first run pays its start, once per boot); `digest preview` of
  a week of about 600 documents; `digest ingest --source nosuch` (an error before any flow);
- `python -c "import prefect"`, the floor of any command that runs a flow.

The three commands the unchanged goal compares (`import prefect`, both unchanged reruns)
run three times, taken in turn, and count by their median.

Each line also gives the process's own peak memory (not its children's: the parsing pool).

Run: make bench (or .venv/bin/python tests/bench/bench_commands.py [--quick] [--feeds N]
[--short] [--keep])
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.feed_files import vocabulary  # noqa: E402

BIN = Path(sys.executable).parent
ENTRIES = 20
WEEKS = 10
FIRST_DAY = datetime(2025, 8, 4, 6, tzinfo=UTC)  # a Monday: ten whole ISO weeks follow
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsletter-digest-bench"
RSS2EMAIL = "rss2email==3.14"
# The commands the unchanged goal compares run ROUNDS times in turn, and count by their median.
QUICK = ("import prefect", "r2e unchanged rerun", "digest ingest, unchanged rerun")
ROUNDS = 3
# Entries of 500 to 850 words make the 27 MB of feeds the testers served; --short
# gives the 80 to 200 words (6 MB) of the earlier runs in tests/bench/README.md.
WORDS, SHORT_WORDS, PARAGRAPH = (500, 850), (80, 200), 60


@dataclass
class Timed:
    label: str
    seconds: float
    cpu: float  # user + system, of the process and the children it waited for (its pool)
    peak_mb: float


def write_feeds(
    folder: Path,
    feeds: int,
    entries: int = ENTRIES,
    length: tuple[int, int] = WORDS,
    seed: int = 11,
) -> int:
    """`feeds` RSS files whose entries (of `length` words, in paragraphs) are spread evenly
    over WEEKS weeks; the bytes written."""
    rng = random.Random(seed)
    words_of, weights = vocabulary()
    folder.mkdir(parents=True, exist_ok=True)
    total, span = feeds * entries, timedelta(weeks=WEEKS) - timedelta(hours=12)
    written = 0
    for f in range(feeds):
        items = []
        for e in range(entries):
            n = e * feeds + f  # feed by feed, the entries march through the weeks together
            when = FIRST_DAY + span * n / total
            words = rng.choices(words_of, cum_weights=weights, k=rng.randint(*length))
            text = (
                "&lt;/p&gt;&lt;p&gt;".join(
                    " ".join(words[i : i + PARAGRAPH]).capitalize() + "."
                    for i in range(0, len(words), PARAGRAPH)
                )
                + f" Report {f}-{e}."
            )
            items.append(
                f"<item><title>Story {f}-{e} about the {words[0]}</title>"
                f"<guid>tag:bench,{f}-{e}</guid><link>https://feed{f}.example/{e}</link>"
                f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
                f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {f}</title><link>https://feed{f}.example/</link>"
            f"<description>Bench feed {f}</description>{''.join(items)}</channel></rss>"
        )
        (folder / f"feed{f}.xml").write_text(body, encoding="utf-8")
        written += len(body)
    return written


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def static_server(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the static server did not answer")


def rss2email_venv() -> Path:
    """rss2email installed once into a venv of its own in the cache; its `r2e`."""
    venv = CACHE / "rss2email-3.14"
    r2e = venv / "bin" / "r2e"
    if r2e.exists():
        # Compiled as pip would have at install, as the project's own venv is: where
        # PYTHONDONTWRITEBYTECODE is set, a venv without .pyc files compiles on every run.
        subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-q", str(venv)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        return r2e
    uv = shutil.which("uv") or str(BIN / "uv")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--compile-bytecode",
            "--python",
            str(venv / "bin" / "python"),
            RSS2EMAIL,
        ],
        check=True,
    )
    return r2e


def r2e_config(work: Path, port: int, feeds: int) -> list[str]:
    """rss2email's settings and data files, every feed listed; the options that select them."""
    lines = ["[DEFAULT]", "to = reader@example.org", "from = bench@example.org", ""]
    for f in range(feeds):
        lines += [f"[feed.f{f}]", f"url = http://127.0.0.1:{port}/feed{f}.xml", ""]
    config = work / "rss2email.cfg"
    config.write_text("\n".join(lines), encoding="utf-8")
    return ["-c", str(config), "-d", str(work / "rss2email.json")]


def digest_config(work: Path, port: int, feeds: int, name: str = "digest") -> Path:
    """A digest.toml of every feed, with a database and an outbox named `name`."""
    lines = [
        "[digest]", 'title = "Bench digest"', 'timezone = "UTC"',
        f'database_url = "sqlite:///{work / "data" / name}.db"',
        "[delivery]", 'transport = "outbox"', f'outbox = "{work / "outbox" / name}"',
        'from = "Digest <digest@example.org>"', 'recipients = ["reader@example.org"]',
    ]  # fmt: skip
    for f in range(feeds):
        lines += ["[[sources]]", f'name = "feed{f}"', 'kind = "feed"',
                  f'url = "http://127.0.0.1:{port}/feed{f}.xml"']  # fmt: skip
    path = work / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def user_env(work: Path) -> dict[str, str]:
    """A user's environment: no Prefect server given, an empty Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DIGEST_"))}
    return env | {"PREFECT_HOME": str(work / "prefect-home"), "COLUMNS": "160"}


def timed(
    label: str, argv: list[str], env: dict[str, str], cwd: Path, fails: bool = False
) -> Timed:
    """One fresh process, its wall time and peak memory (its own, not its children's)."""
    log = (cwd / "logs" / (label.split()[0] + ".log")).open("a")
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    if (process.returncode != 0) != fails:
        tail = (cwd / "logs" / (label.split()[0] + ".log")).read_text()[-3000:]
        raise RuntimeError(f"{label}: exit {process.returncode}\n{tail}")
    return Timed(label, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def busiest_week(work: Path) -> tuple[str, int]:
    import sqlite3
    from zoneinfo import ZoneInfo

    from flows.weeks import week_of

    with sqlite3.connect(work / "data" / "digest.db") as db:
        dates = [row[0] for row in db.execute("SELECT published_at FROM documents")]
    counts: dict[str, int] = {}
    for d in dates:
        week = week_of(datetime.fromisoformat(d).replace(tzinfo=UTC), ZoneInfo("UTC"))
        counts[week] = counts.get(week, 0) + 1
    middle = sorted(counts)[len(counts) // 2]
    return middle, counts[middle]


def bytecode_state() -> str:
    """Whether the tools start from compiled modules: where PYTHONDONTWRITEBYTECODE is set
    and a venv holds no .pyc files, every process compiles all it imports, every time."""
    spec = importlib.util.find_spec("prefect")  # not imported: children would inherit its size
    assert spec is not None and spec.origin is not None
    compiled = any(Path(spec.origin).parent.glob("__pycache__/*.pyc"))
    unset = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    return (f"PYTHONDONTWRITEBYTECODE {unset}; the project's venv "
            f"{'holds' if compiled else 'has no'} compiled modules")  # fmt: skip


def stop_local_prefect(work: Path) -> None:
    """The local Prefect server the first command started, stopped by its process id."""
    from flows.orchestration.local_server import read_state

    state = read_state(work / "prefect-home")
    if state is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.pid, signal.SIGTERM)


def run(feeds: int, keep: bool = False, length: tuple[int, int] = WORDS) -> list[Timed]:
    work = Path(tempfile.mkdtemp(prefix="bench-commands-"))
    (work / "logs").mkdir()
    size = write_feeds(work / "feeds", feeds, length=length)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"{feeds} feeds x {ENTRIES} entries ({size / 1e6:.0f} MB) in {work}; {load}", flush=True)
    print(bytecode_state(), flush=True)
    r2e = rss2email_venv()
    server, port = static_server(work / "feeds")
    env = user_env(work)
    digest = [str(BIN / "digest")]
    config = ["--config", str(digest_config(work, port, feeds))]
    # The same first run as one command, and as two with the local server already up (as
    # it is after the first command since boot), each on a database of its own.
    at_once = ["--config", str(digest_config(work, port, feeds, "at-once"))]
    server_up = ["--config", str(digest_config(work, port, feeds, "server-up"))]
    r2e_args = r2e_config(work, port, feeds)
    results: list[Timed] = []
    try:
        steps = [
            ("import prefect", [sys.executable, "-c", "import prefect"], False),
            ("r2e first run", [str(r2e), *r2e_args, "run", "--no-send"], False),
            ("r2e unchanged rerun", [str(r2e), *r2e_args, "run", "--no-send"], False),
            ("digest ingest --source nosuch", [*digest, "ingest", "--source", "nosuch",
                                               *config], True),
            ("digest ingest, first run", [*digest, "ingest", *config], False),
            ("digest run --all-weeks --no-ingest", [*digest, "run", "--all-weeks",
                                                    "--no-ingest", *config], False),
            ("digest ingest, unchanged rerun", [*digest, "ingest", *config], False),
            ("digest run --all-weeks, new database", [*digest, "run", "--all-weeks",
                                                      *at_once], False),
            ("digest ingest, new database, server up", [*digest, "ingest", *server_up], False),
            ("digest run --all-weeks --no-ingest, after it", [*digest, "run", "--all-weeks",
                                                              "--no-ingest", *server_up], False),
        ]  # fmt: skip
        for label, argv, fails in steps:
            results.append(timed(label, argv, env, work, fails))
            print(
                f"  {label}: {results[-1].seconds:.1f} s ({results[-1].cpu:.1f} s CPU)", flush=True
            )
        week, documents = busiest_week(work)
        label = f"digest preview --week {week} ({documents} documents)"
        argv = [*digest, "preview", "--week", week, "--out", str(work / "preview.html"), *config]
        results.append(timed(label, argv, env, work))
        print(f"  {label}: {results[-1].seconds:.1f} s ({results[-1].cpu:.1f} s CPU)", flush=True)
        # The commands of a second or two again, taken in turn: one run of each moves with
        # the machine's load by as much as the difference the goal compares.
        again = [step for step in steps if step[0] in QUICK]
        for _round in range(ROUNDS - 1):
            for label, argv, fails in again:
                results.append(timed(label, argv, env, work, fails))
                print(f"  {label}: {results[-1].seconds:.1f} s", flush=True)
    finally:
        stop_local_prefect(work)
        server.terminate()
        server.wait(10)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return results


def medians(results: list[Timed]) -> list[Timed]:
    """One line per command, in the order first run: the median of its runs."""
    runs: dict[str, list[Timed]] = {}
    for r in results:
        runs.setdefault(r.label, []).append(r)
    return [
        Timed(
            label if len(group) == 1 else f"{label} (median of {len(group)})",
            statistics.median(r.seconds for r in group),
            statistics.median(r.cpu for r in group),
            max(r.peak_mb for r in group),
        )
        for label, group in runs.items()
    ]


def table(results: list[Timed]) -> str:
    results = medians(results)
    by = {r.label.split(" (")[0]: r for r in results}
    rows = ["| command (fresh process) | seconds | CPU seconds | peak MB |", "|---|---:|---:|---:|"]
    rows += [f"| {r.label} | {r.seconds:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} |" for r in results]
    built = by["digest run --all-weeks --no-ingest"].seconds
    first = by["digest ingest, first run"].seconds + built
    r2e_first = by["r2e first run"].seconds
    floor = by["r2e unchanged rerun"].seconds + by["import prefect"].seconds
    unchanged = by["digest ingest, unchanged rerun"].seconds
    cpu = {k: v.cpu for k, v in by.items()}
    cpu_first = cpu["digest ingest, first run"] + cpu["digest run --all-weeks --no-ingest"]
    cpu_floor = cpu["r2e unchanged rerun"] + cpu["import prefect"]
    at_once = by["digest run --all-weeks, new database"].seconds
    up = (by["digest ingest, new database, server up"].seconds
          + by["digest run --all-weeks --no-ingest, after it"].seconds)  # fmt: skip
    rows += [
        "",
        f"digest ingest + every week built: {first:.1f} s; rss2email's first run: "
        f"{r2e_first:.1f} s (ratio {first / r2e_first:.2f}, goal <= 1)",
        f"the same, the local Prefect server already up: {up:.1f} s (ratio {up / r2e_first:.2f})",
        f"the same as one command (digest run --all-weeks): {at_once:.1f} s "
        f"(ratio {at_once / r2e_first:.2f})",
        f"digest ingest unchanged: {unchanged:.1f} s; rss2email unchanged + import prefect: "
        f"{floor:.1f} s (ratio {unchanged / floor:.2f}, goal <= 1)",
        f"the same in CPU seconds: {cpu_first:.1f} against {cpu['r2e first run']:.1f} "
        f"(ratio {cpu_first / cpu['r2e first run']:.2f}); "
        f"{cpu['digest ingest, unchanged rerun']:.1f} against {cpu_floor:.1f} "
        f"(ratio {cpu['digest ingest, unchanged rerun'] / cpu_floor:.2f})",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 feeds instead of 300")
    parser.add_argument("--feeds", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the feeds, database and logs")
    parser.add_argument("--short", action="store_true", help="entries of 80-200 words (6 MB)")
    args = parser.parse_args()
    feeds = args.feeds or (60 if args.quick else 300)
    results = run(feeds, args.keep, SHORT_WORDS if args.short else WORDS)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (a busy machine stretches the")
    print("seconds of every tool; the CPU seconds less so)")
    print(table(results))


if __name__ == "__main__":
    main()
