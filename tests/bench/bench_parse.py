"""Reading feed bodies: the plain RSS path beside feedparser, on the same bytes, in one run.

The 300 feeds of bench_commands.py (27 MB of RSS 2.0), parsed in memory three times each
way, alternating, and the median CPU seconds of each; then how many of feedparser's own
test corpus files (its sdist, cached by tests/integration/test_corpora.py, when there) the
plain path takes rather than leaving them to feedparser.

Run: make bench (or .venv/bin/python tests/bench/bench_parse.py [--feeds N])
"""

from __future__ import annotations

import argparse
import importlib.metadata
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.sources.feeds import _feedparser  # noqa: E402
from flows.sources.plain_rss import read_plain_rss  # noqa: E402
from tests.bench.bench_commands import write_feeds  # noqa: E402
from tests.integration.test_corpora import CACHE  # noqa: E402

ROUNDS = 3


def cpu_seconds(read: object, bodies: list[bytes]) -> float:
    start = time.process_time()
    for body in bodies:
        read(body, "application/rss+xml", None)  # type: ignore[operator]
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    feeds = parser.parse_args().feeds
    with tempfile.TemporaryDirectory() as work:
        size = write_feeds(Path(work), feeds)
        bodies = [path.read_bytes() for path in sorted(Path(work).glob("*.xml"))]
    taken = sum(read_plain_rss(b, "application/rss+xml", None) is not None for b in bodies)
    plain, reference = [], []
    for _ in range(ROUNDS):
        plain.append(cpu_seconds(read_plain_rss, bodies))
        reference.append(cpu_seconds(_feedparser, bodies))
    fast, slow = statistics.median(plain), statistics.median(reference)
    print(f"{feeds} feeds ({size / 1e6:.0f} MB), {taken} read by the plain path; "
          f"median of {ROUNDS} rounds, CPU seconds")  # fmt: skip
    print("| reader | CPU seconds | ratio |\n|---|---:|---:|")
    print(f"| feedparser (as flows.sources.feeds calls it) | {slow:.2f} | 1.00 |")
    print(f"| plain RSS path | {fast:.2f} | {fast / slow:.2f} |")
    corpus = CACHE / f"feedparser-{importlib.metadata.version('feedparser')}" / "tests"
    files = sorted(corpus.rglob("*.xml")) if corpus.is_dir() else []
    if files:
        read = sum(read_plain_rss(p.read_bytes(), None, None) is not None for p in files)
        print(f"feedparser's corpus: the plain path reads {read} of {len(files)} files")
    else:
        print(f"feedparser's corpus not cached at {corpus}: make test fetches it")


if __name__ == "__main__":
    main()
