"""Benchmark: near-duplicates and story clustering of 25k-200k generated documents.

Each size runs in a child process of its own (peak memory is that child's, with its
workers); the documents (300-1,000 words: events with shared names, rewrites and copies)
are generated before the clock starts. Then, side by side in one child: clustering 101,000
documents from scratch against adding the last 1,000 to a store of 100,000 (their
signatures looked up in the stored band index, their features weighed with the stored
document frequencies, their edges only to stored documents of the same days).

Run: make bench (or .venv/bin/python tests/bench/bench_cluster.py [sizes...])
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import sparse

from flows import cluster as C
from flows import features as F
from flows import neardup as N

SIZES = (25_000, 50_000, 100_000, 200_000)
PER_DAY = 400  # documents a day: a bigger store is a longer history, not a busier day
VOCABULARY = 30_000
PROCESSES = 2
SEED = 7


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


def full_run(texts: list[str], days: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Near-duplicates then stories of every text, from nothing."""
    timings = {}
    start = time.perf_counter()
    sigs, all_terms, all_names = F.analyse(texts, PROCESSES)
    timings["words"] = time.perf_counter() - start
    start = time.perf_counter()
    originals = N.near_duplicate_groups(sigs, days)
    timings["near-duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    keep = np.flatnonzero(originals == np.arange(len(texts)))
    terms, names = all_terms[keep], all_names[keep]
    del all_terms, all_names
    df = F.DocFrequencies.of(terms, names)
    features = F.weigh(terms, names, df)
    i, j, s = C.edges(features, days[keep])
    labels = C.average_link(len(keep), i, j, s)
    timings["stories"] = time.perf_counter() - start
    story = np.empty(len(texts), dtype=np.int64)
    story[keep] = keep[labels]
    story = story[originals]  # a copy is in its original's story
    state = {"sigs": sigs, "originals": originals, "keep": keep, "df": df,
             "features": features, "labels": labels}  # fmt: skip
    return originals, story, {**timings, **state}


def add_new(state: dict, texts: list[str], days: np.ndarray, new: slice) -> float:
    """The same steps for the new texts only, against what the store holds."""
    start = time.perf_counter()
    fresh = texts[new]
    sigs, terms, names = F.analyse(fresh, 1)
    stored_keys = state["band_keys"]  # the store's index: sorted (key, document) pairs
    keys = N.band_keys(sigs)
    where = np.searchsorted(stored_keys[:, 0], keys.ravel())
    where = np.minimum(where, len(stored_keys) - 1)
    hit = stored_keys[where, 0] == keys.ravel()
    owner = np.repeat(np.arange(len(fresh)), keys.shape[1])[hit]
    candidate = stored_keys[where[hit], 1]
    score = N.similarity(sigs[owner], state["sigs"][candidate])
    copies = {int(o): int(c) for o, c in zip(owner, candidate, strict=True)}
    copies = {o: c for (o, c), sc in zip(copies.items(), score, strict=False) if sc >= N.NEAR}
    originals_new = [k for k in range(len(fresh)) if k not in copies]
    terms, names = terms[originals_new], names[originals_new]
    df = state["df"]
    df.add(terms, names)
    old = state["features"]
    added = F.weigh(terms, names, df)
    both = F.Features(
        sparse.vstack([old.terms, added.terms]).tocsr(),
        sparse.vstack([old.names, added.names]).tocsr(),
    )
    kept_days = np.concatenate((days[state["keep"]], days[new][originals_new]))
    first_new = old.terms.shape[0]
    # Only the stored texts of the new texts' days take part.
    recent = np.flatnonzero(kept_days >= days[new].min() - C.WINDOW_DAYS)
    sub = F.Features(both.terms[recent], both.names[recent])
    new_rows = np.flatnonzero(recent >= first_new)
    i, j, s = C.edges(sub, kept_days[recent], only=new_rows)
    # Stored stories stand as single nodes of their size; new texts join them or each other.
    labels = state["labels"]
    node_of = {}
    nodes_sizes: list[int] = []
    sizes = np.bincount(labels)
    for r in recent.tolist():
        label = ("new", r) if r >= first_new else ("old", int(labels[r]))
        if label not in node_of:
            node_of[label] = len(nodes_sizes)
            nodes_sizes.append(1 if label[0] == "new" else int(sizes[label[1]]))
    node = np.array([node_of[("new", r) if r >= first_new else ("old", int(labels[r]))]
                     for r in recent.tolist()])  # fmt: skip
    C.average_link(len(nodes_sizes), node[i], node[j], s, sizes=nodes_sizes)
    return time.perf_counter() - start


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def one_size(n: int, queue: multiprocessing.Queue) -> None:
    texts, days, event, copy_of = corpus(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    originals, story, timings = full_run(texts, days)
    total = time.perf_counter() - start
    true_copy = (copy_of != np.arange(n)).sum()
    found_copy = (originals != np.arange(n)).sum()
    counts = (int(true_copy), int(found_copy), len(np.unique(story)), len(np.unique(event)))
    steps = (timings["words"], timings["near-duplicates"], timings["stories"])
    queue.put((n, total, *steps, peak_mb(), base, *counts))


def incremental(n: int, added: int, queue: multiprocessing.Queue) -> None:
    texts, days, _, _ = corpus(n + added)
    start = time.perf_counter()
    full_run(texts, days)
    scratch = time.perf_counter() - start
    stored = slice(0, n)
    _, _, state = full_run(texts[stored], days[stored])
    keys = N.band_keys(state["sigs"])
    owner = np.repeat(np.arange(n), keys.shape[1])
    index = np.column_stack((keys.ravel(), owner))
    state["band_keys"] = index[np.argsort(index[:, 0], kind="stable")]
    seconds = add_new(state, texts, days, slice(n, n + added))
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
    table = Table("documents", "seconds", "words s", "near-dup s", "stories s", "x previous",
                  "peak MB", "corpus MB", "copies made/found", "stories/events")  # fmt: skip
    previous = None
    for n in sizes:
        (n, total, wd, nd, st, peak, base, made, found, stories, events) = run_child(one_size, n)
        ratio = f"{total / previous:.2f}" if previous else "-"
        previous = total
        print(f"{n}: {total:.1f} s, {peak:.0f} MB", flush=True)  # progress, the table follows
        table.add_row(f"{n:,}", f"{total:.1f}", f"{wd:.1f}", f"{nd:.1f}", f"{st:.1f}", ratio,
                      f"{peak:,.0f}", f"{base:,.0f}", f"{made:,}/{found:,}",
                      f"{stories:,}/{events:,}")  # fmt: skip
    Console(width=160).print(table)
    scratch, added = run_child(incremental, 100_000, 1_000)
    Console(width=160).print(
        f"101,000 documents from scratch: {scratch:.1f} s; adding the last 1,000 to a store "
        f"of 100,000: {added:.2f} s ({added / scratch:.1%} of from scratch)"
    )


if __name__ == "__main__":
    main()
