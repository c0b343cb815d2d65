"""Benchmark: what "less like this" on one story does to the other stories of the real-news
set: which are cut, which go last, which stay; the cut ones of another label listed.

Run: make bench (or .venv/bin/python tests/bench/bench_feedback.py); needs ../shared/realnews
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console
from rich.table import Table

from flows.records import Feedback, Story
from flows.stories.build import build_stories
from flows.stories.preferences import profile, verdicts
from tests.support import realnews

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def main() -> None:
    if not realnews.available():
        print("no real-news set at", realnews.REALNEWS)
        return
    docs = realnews.load()
    label = {d.url: d.label for d in docs}
    with tempfile.TemporaryDirectory() as folder:
        stored = realnews.store(f"sqlite:///{folder}/digest.db", docs)
    stories = [s for week in realnews.weekly_stories(stored, build_stories).values() for s in week]

    def label_of(story: Story) -> str:
        return Counter(label.get(d.url, "?") for d in story.documents).most_common(1)[0][0]

    outcome: Counter[tuple[str, bool]] = Counter()
    crossed: Counter[str] = Counter()
    for disliked in stories:
        mine = label_of(disliked)
        if mine in ("newsletter", "?") or mine.startswith("other"):
            continue
        text, names = profile(disliked.headline, disliked.extract,
                              [d.text for d in disliked.documents])  # fmt: skip
        said = Feedback(1, "less", f"W.{disliked.key}", disliked.headline, NOW, text, names)
        others = [s for s in stories if s.key != disliked.key]
        for story, fate in zip(others, verdicts(others, [said]), strict=True):
            same = label_of(story) == mine
            outcome[(fate, same)] += 1
            if fate == "cut" and not same:
                crossed[f"{mine} -> {label_of(story)}"] += 1
    table = Table("other story", "cut", "put last", "kept in place")
    for same, name in ((True, "same label (the event)"), (False, "another label")):
        table.add_row(name, *(str(outcome[(fate, same)]) for fate in ("cut", "last", "keep")))
    Console().print(table)
    Console().print("cut, of another label:", ", ".join(sorted(crossed)))


if __name__ == "__main__":
    main()
