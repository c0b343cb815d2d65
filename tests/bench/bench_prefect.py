"""Benchmark: what Prefect costs. The weekly job on the seeds run as Prefect flows, and
the same steps called as plain functions, side by side in one run.

Run: make bench (or .venv/bin/python tests/bench/bench_prefect.py)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RUNS = 5
WEEKS = ["2025-W43", "2025-W49", "2026-W06"]


def plain(config: Path) -> None:
    """Every step of `digest run --all-weeks`, as plain calls: no flow, no task."""
    from db import digests as digest_store
    from db import documents as doc_store
    from db import sources as source_store
    from db.engine import session_scope
    from db.migrate import upgrade
    from flows.deliver.message import build_message, stable_message_id
    from flows.deliver.transports import write_outbox
    from flows.pipeline.preview import load_week
    from flows.pipeline.store_chunk import normalise_and_sign as normalise_items
    from flows.render.digest import render_digest
    from flows.settings import load_settings
    from flows.sources.read import read_source

    settings = load_settings(config)
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        source_store.sync_sources(
            session, [(s.name, s.kind, str(s.path or "")) for s in settings.sources]
        )
    now = datetime.now(UTC)
    for source in settings.sources:
        fetched = read_source(
            source.name,
            source.kind,
            source.path,
            source.options,
            password=source.password,
            zone=settings.zone,
            now=now,
        )
        documents, _ = normalise_items(fetched.items, {}, settings.zone)
        with session_scope(settings.database_url) as session:
            doc_store.save_documents(session, documents, now)
    for week in WEEKS:
        digest = load_week(settings, week)
        rendered = render_digest(digest)
        with session_scope(settings.database_url) as session:
            digest_id = digest_store.save_week(session, week, digest.stories, rendered, "h",
                                               digest.document_count, now)  # fmt: skip
        for recipient in settings.recipients:
            message = build_message(rendered, sender=settings.sender, reply_to=settings.reply_to,
                                    recipient=recipient, date=now, list_id="l <l.example>",
                                    message_id=stable_message_id(week, recipient, "x"))  # fmt: skip
            write_outbox(message, settings.outbox, f"{week}_{recipient}")
            with session_scope(settings.database_url) as session:
                digest_store.set_delivery(session, digest_id, recipient, state="sent",
                                          transport="outbox", message_id="m", now=now)  # fmt: skip


def through_prefect(config: Path) -> None:
    from flows.orchestration.weekly_flow import backfill_flow

    backfill_flow(ingest=True, config=str(config))


def fresh_config(work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    config = work / "digest.toml"
    config.write_text(
        f'[digest]\ndatabase_url = "sqlite:///{work}/d.db"\n[delivery]\noutbox = "{work}/out"\n'
        f'recipients = ["reader@example.org"]\n[[sources]]\nname = "seeds"\nkind = "files"\n'
        f'path = "{ROOT / "seeds"}"\n',
        encoding="utf-8",
    )
    return config


def main() -> None:
    from prefect import flow
    from rich.console import Console
    from rich.table import Table

    flow(lambda: None, name="warm-up")()  # the local server starts before the clock
    timings: dict[str, list[float]] = {"plain functions": [], "Prefect flows": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            for name, job in (("plain functions", plain), ("Prefect flows", through_prefect)):
                config = fresh_config(Path(tmp) / name.replace(" ", "-"))
                start = time.perf_counter()
                job(config)
                timings[name].append(time.perf_counter() - start)
    plain_s = statistics.median(timings["plain functions"])
    prefect_s = statistics.median(timings["Prefect flows"])
    table = Table(title=f"the seeds, ingest + 3 weekly digests, median of {RUNS}")
    table.add_column("how")
    table.add_column("seconds", justify="right")
    table.add_row("plain functions", f"{plain_s:.2f}")
    table.add_row("Prefect flows (1 backfill, 3 weeks as its tasks)", f"{prefect_s:.2f}")
    table.add_row("overhead", f"{prefect_s - plain_s:.2f} ({prefect_s / plain_s:.1f}x)")
    Console().print(table)


if __name__ == "__main__":
    main()
