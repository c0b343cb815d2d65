"""Benchmark: near-duplicates and story clustering of 25k-200k generated documents.

Each size runs in a child process of its own (peak memory is that child's plus its
largest worker's); the documents (300-1,000 words: events with shared names, rewrites and
copies) are generated and written to a file before the clock starts, and read back in
batches by the workers, as a run would read them from the store; each is embedded
(flows.stories.embed) in the same pass, its time shown on a line of its own. Then, side by
side in one child: clustering 101,000 documents from scratch against adding the last 1,000
to a store of 100,000 as a run does (their signatures looked up in the stored band index,
then the stories of their days rebuilt by flows.stories.cluster.cluster from those days'
texts, as build_stories does a week's).

Run: make bench (or .venv/bin/python tests/bench/bench_cluster.py; given sizes, say
`... bench_cluster.py 25000 50000`, it runs those and skips the incremental measure)
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import sparse

from flows.dedupe import near as N
from flows.stories import cluster as C
from flows.stories import features as F
from flows.stories.embed import embed
from flows.stories.figures import KINDS, figure_rows
from tests.bench.near_groups import near_duplicate_groups
from tests.bench.one_pass import analyse_batch, map_batches, stack

SIZES = (25_000, 50_000, 100_000, 200_000)
PER_DAY = 400  # documents a day: a bigger store is a longer history, not a busier day
VOCABULARY = 30_000
PROCESSES = 2
SEED = 7


@dataclass(frozen=True)
class FileSlice:
    """A batch of texts, one a line, read from a file by whichever process runs it."""

    path: str
    start: int
    end: int

    def __call__(self) -> list[str]:
        with open(self.path, "rb") as file:
            file.seek(self.start)
            return file.read(self.end - self.start).decode().split("\n")[:-1]


def corpus_file(n: int, path: str) -> tuple[list[FileSlice], np.ndarray, np.ndarray, np.ndarray]:
    """The corpus written to `path` (a text a line) and read back in batches of BATCH, so
    the texts are never all in memory while they are analysed, as when read from a store."""
    texts, days, event, copy_of = corpus(n)
    slices = []
    with open(path, "wb") as file:
        for first in range(0, n, F.BATCH):
            start = file.tell()
            file.write("".join(t + "\n" for t in texts[first : first + F.BATCH]).encode())
            slices.append(FileSlice(path, start, file.tell()))
    return slices, days, event, copy_of


def corpus(n: int, seed: int = SEED) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Texts, their days, their event and the document each copies (itself if original)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = np.array(["".join(rng.choice(letters, rng.integers(3, 11))) for _ in range(VOCABULARY)])
    zipf = 1.0 / np.arange(1, VOCABULARY + 1)
    zipf /= zipf.sum()
    people = np.array([w.capitalize() for w in rng.choice(vocab, 3000)])
    leaders = people[:40]  # named in many events: the distractors' shared names
    texts: list[str] = []
    days = np.zeros(n)
    event = np.zeros(n, dtype=np.int64)
    copy_of = np.arange(n)
    e = 0
    while len(texts) < n:
        day = len(texts) / PER_DAY
        topic = rng.choice(vocab, 40)
        names = np.concatenate((rng.choice(leaders, 2), rng.choice(people, 4)))
        for _ in range(min(int(rng.integers(3, 9)), n - len(texts))):
            i = len(texts)
            if i > 0 and rng.random() < 0.1:  # a copy or light rewrite of a recent text
                source = int(rng.integers(max(0, i - 200), i))
                words = texts[source].split(" ")
                for k in rng.integers(0, len(words), len(words) // 30):
                    words[k] = str(rng.choice(vocab))
                texts.append(" ".join(words))
                days[i], event[i], copy_of[i] = days[source] + 0.5, event[source], source
                continue
            size = int(rng.integers(300, 1001))
            words = vocab[rng.choice(VOCABULARY, size, p=zipf)]
            pick = rng.random(size)
            words = np.where(pick < 0.15, rng.choice(topic, size), words)
            words = np.where(pick > 0.96, rng.choice(names, size), words)
            words = words.astype(object)
            words[::14] = [w.capitalize() + "" for w in words[::14]]
            words[13::14] = [w + "." for w in words[13::14]]
            texts.append(" ".join(words.tolist()))
            days[i], event[i] = day + rng.random() * 2, e
        e += 1
    return texts, days, event, copy_of


def words_and_vectors(batch: FileSlice) -> tuple:  # type: ignore[type-arg]
    """One batch's signatures, terms and names, and its embeddings (float16: half the
    memory), with the seconds the embedding took, and the figures its texts state."""
    texts = batch()
    start = time.perf_counter()
    vectors = embed(texts).astype(np.float16)
    seconds = time.perf_counter() - start
    return (*analyse_batch(texts), vectors, seconds, figure_rows(texts))


def full_run(batches: list[FileSlice], days: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Near-duplicates then stories of every text, from nothing."""
    timings = {}
    start = time.perf_counter()
    # One pass: workers forked for a second would count the parent's arrays as their own.
    parts = map_batches(words_and_vectors, batches, PROCESSES)
    sigs = np.vstack([p[0] for p in parts])
    vectors = np.vstack([p[3] for p in parts])
    timings["embedding"] = sum(p[4] for p in parts) / min(PROCESSES, len(parts))
    terms, names = stack(parts, 1), stack(parts, 2)
    figures = tuple(sparse.vstack([p[5][k] for p in parts]).tocsr() for k in range(len(KINDS)))
    del parts
    timings["words"] = time.perf_counter() - start - timings["embedding"]
    start = time.perf_counter()
    originals = near_duplicate_groups(sigs, days)
    timings["near-duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    n = len(days)
    copies = originals != np.arange(n)
    for m in (terms, names):  # a copy tells its original's story: its words count no more
        m.data[np.repeat(copies, np.diff(m.indptr))] = 0.0
        m.eliminate_zeros()
    df = F.DocFrequencies.of(terms, names)
    features = replace(F.weigh(terms, names, df), figures=figures)
    del terms, names  # weighed: the counts are not needed again
    i, j, s = C.edges(vectors, days, features)
    del features, vectors  # the agglomeration needs only the pairs: as a run's cluster() does
    labels = C.average_link(n, i, j, s)
    timings["stories"] = time.perf_counter() - start
    story = labels[originals]  # a copy is in its original's story
    state = {"sigs": sigs, "originals": originals, "days": days}
    return originals, story, {**timings, **state}


def add_new(state: dict, batches: list[FileSlice], stored: int, days: np.ndarray) -> float:
    """What a run does with new texts, through the production steps: their signatures
    looked up in the store's band index, then the stories of their days rebuilt from the
    texts of those days (as build_stories does a week's, copies folded first)."""
    start = time.perf_counter()
    n = len(state["days"])
    new = [t for b in batches[stored:] for t in b()]
    sigs = N.signatures(new)
    stored_keys = state["band_keys"]  # the store's index: sorted (key, document) pairs
    keys = N.band_keys(sigs)
    where = np.minimum(np.searchsorted(stored_keys[:, 0], keys.ravel()), len(stored_keys) - 1)
    hit = stored_keys[where, 0] == keys.ravel()
    owner = np.repeat(np.arange(len(sigs)), keys.shape[1])[hit]
    candidate = stored_keys[where[hit], 1]
    near = N.similarity(sigs[owner], state["sigs"][candidate]) >= N.NEAR
    copy = np.concatenate((state["originals"] != np.arange(n), np.zeros(len(new), bool)))
    copy[n + np.unique(owner[near])] = True
    # The texts of the new texts' days (and the window before them), copies left out.
    recent = np.flatnonzero((days >= days[n:].min() - C.WINDOW_DAYS) & ~copy)
    first = recent.min() // F.BATCH
    texts = [t for b in batches[first:] for t in b()]
    C.cluster([texts[r - first * F.BATCH] for r in recent], days[recent])
    return time.perf_counter() - start


def peak_mb() -> float:
    """The run's own peak plus its largest worker's: an upper bound of the whole."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers) / 1024


def make_corpus(n: int, path: str, queue: multiprocessing.Queue) -> None:
    """In a child of its own, so that generating leaves nothing in the measured processes."""
    queue.put(corpus_file(n, path))


def one_size(n: int, generated: tuple, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    batches, days, event, copy_of = generated
    start = time.perf_counter()
    originals, story, timings = full_run(batches, days)
    total = time.perf_counter() - start
    true_copy = (copy_of != np.arange(n)).sum()
    found_copy = (originals != np.arange(n)).sum()
    counts = (int(true_copy), int(found_copy), len(np.unique(story)), len(np.unique(event)))
    steps = (timings["words"], timings["embedding"], timings["near-duplicates"],
             timings["stories"])  # fmt: skip
    size = sum(b.end - b.start for b in batches) / 2**20
    queue.put((n, total, *steps, peak_mb(), size, *counts))


def incremental(n: int, added: int, generated: tuple, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    batches, days, _, _ = generated
    stored = n // F.BATCH
    start = time.perf_counter()
    full_run(batches, days)
    scratch = time.perf_counter() - start
    _, _, state = full_run(batches[:stored], days[:n])
    keys = N.band_keys(state["sigs"])
    owner = np.repeat(np.arange(n), keys.shape[1])
    index = np.column_stack((keys.ravel(), owner))
    state["band_keys"] = index[np.argsort(index[:, 0], kind="stable")]
    seconds = add_new(state, batches, stored, days)
    queue.put((scratch, seconds))


def run_child(target, *args) -> tuple:  # type: ignore[no-untyped-def]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=target, args=(*args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    table = Table("documents", "seconds", "words s", "embedding s", "near-dup s", "stories s",
                  "x previous",
                  "peak MB", "texts MB", "copies made/found", "stories/events")  # fmt: skip
    previous = None
    embedded: list[str] = []
    folder = tempfile.mkdtemp()
    for n in sizes:
        generated = run_child(make_corpus, n, f"{folder}/corpus-{n}.txt")
        (n, total, wd, em, nd, st, peak, base, made, found, stories, events) = run_child(
            one_size, n, generated
        )
        ratio = f"{total / previous:.2f}" if previous else "-"
        previous = total
        print(f"{n}: {total:.1f} s, {peak:.0f} MB", flush=True)  # progress, the table follows
        embedded.append(f"{n:,} texts embedded in {em:.1f} s ({em / n * 1000:.2f} s per 1,000)")
        table.add_row(f"{n:,}", f"{total:.1f}", f"{wd:.1f}", f"{em:.1f}", f"{nd:.1f}", f"{st:.1f}",
                      ratio,
                      f"{peak:,.0f}", f"{base:,.0f}", f"{made:,}/{found:,}",
                      f"{stories:,}/{events:,}")  # fmt: skip
    Console(width=160).print(table)
    for line in embedded:  # the embedding's share of the seconds, on its own line
        Console(width=160).print(f"embedding: {line} on {PROCESSES} processes")
    if sys.argv[1:]:  # sizes asked for by hand: the table only
        shutil.rmtree(folder)
        return
    generated = run_child(make_corpus, 101_000, f"{folder}/corpus-101000.txt")
    scratch, added = run_child(incremental, 100_000, 1_000, generated)
    shutil.rmtree(folder)
    Console(width=160).print(
        f"101,000 documents from scratch: {scratch:.1f} s; adding the last 1,000 to a store "
        f"of 100,000: {added:.2f} s ({added / scratch:.1%} of from scratch)"
    )


if __name__ == "__main__":
    main()
