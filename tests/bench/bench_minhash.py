"""Why near-duplicates use our own numpy MinHash: datasketch and flows.dedupe.near side by side
on the same generated documents (300-1,000 words), one process each.

Run: make bench (or .venv/bin/python tests/bench/bench_minhash.py)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cluster import corpus
from datasketch import MinHash
from rich.console import Console
from rich.table import Table

from flows.dedupe.near import BINS, SHINGLE, signatures

DOCUMENTS = 2_000


def with_datasketch(texts: list[str]) -> None:
    for text in texts:
        tokens = text.lower().split()
        shingles = {" ".join(tokens[i : i + SHINGLE]).encode() for i in range(len(tokens) - 2)}
        signature = MinHash(num_perm=BINS)
        signature.update_batch(list(shingles))


def main() -> None:
    texts, _, _, _ = corpus(DOCUMENTS)
    signatures(texts[:1000])  # the word-hash tables, built once per process
    table = Table("signatures of", "documents", "seconds", "per 100,000 (s)", "ratio")
    timings = []
    for name, run in (("flows.dedupe.near (numpy)", signatures), ("datasketch", with_datasketch)):
        start = time.perf_counter()
        run(texts)
        timings.append((name, time.perf_counter() - start))
    base = timings[0][1]
    for name, seconds in timings:
        table.add_row(name, f"{DOCUMENTS:,}", f"{seconds:.2f}",
                      f"{seconds * 100_000 / DOCUMENTS:.0f}", f"{seconds / base:.1f}")  # fmt: skip
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
