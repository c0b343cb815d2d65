"""Several digests from one ingest: each its own sources, rules and readers, sent through a
real SMTP server, with a ledger per digest, week and reader; backfills and late arrivals
per digest (SQLite and PostgreSQL)."""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from db import digests as digest_store
from db.engine import session_scope
from flows.orchestration.weekly_flow import backfill_flow, weekly_flow
from tests.conftest import write_config
from tests.support.smtp_servers import Inbox, smtp_server

pytestmark = pytest.mark.usefixtures("prefect_harness")

WORLD, TECH = "world@example.org", "tech@example.org"

# Texts of a second source, "techwire": two about chips in the seeds' first week, one about
# football (that the tech digest excludes), and one that arrives after its week was sent.
TEXTS = {
    "chips.txt": (
        "2025-10-22",
        "Foundry opens new semiconductor plant in Arizona",
        "A large foundry opened its newest semiconductor plant in Arizona on Wednesday, "
        "promising thousands of jobs and chips made at the most advanced process node. "
        "Officials said the plant would start volume production next year, and that "
        "customers had already reserved most of its first output of chips.",
    ),
    "football.txt": (
        "2025-10-23",
        "League tests semiconductor sensors in football boots",
        "The football league said on Thursday it would test semiconductor sensors sewn "
        "into football boots during the next season, to measure how far players run. "
        "Clubs will see the data after each match, and referees will not use it.",
    ),
    "memory.txt": (
        "2025-12-03",
        "Memory makers raise prices as semiconductor demand grows",
        "Memory makers raised contract prices for the third month running as demand for "
        "semiconductor parts in data centres kept growing. Analysts expect the rise to "
        "continue into the spring, when new factories begin to ship their first wafers.",
    ),
}
LATE = (
    "late.txt",
    "2025-10-24",
    "Chip designer unveils semiconductor roadmap for phones",
    "A chip designer unveiled its semiconductor roadmap for phones on Friday, with two "
    "new cores a year and a modem of its own. Phone makers will get samples in the "
    "summer, the company said, and the first phones should reach shops a year later.",
)


def write_texts(folder: Path, texts: list[tuple[str, str, str, str]]) -> None:
    folder.mkdir(exist_ok=True)
    metadata = folder / "metadata.toml"
    known = metadata.read_text(encoding="utf-8") if metadata.exists() else ""
    for name, published, title, text in texts:
        (folder / name).write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        known += f'["{name}"]\npublished = {published}\npublisher = "Techwire"\n'
    metadata.write_text(known, encoding="utf-8")


def config_of(tmp_path: Path, url: str, seeds: Path, tech: Path, port: int) -> Path:
    config = write_config(
        tmp_path, url, seeds, [{"name": "techwire", "kind": "files", "path": str(tech)}],
        transport="smtp", recipients=["nobody@example.org"],
    )  # fmt: skip
    with config.open("a", encoding="utf-8") as handle:
        handle.write(
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            '[[digests]]\nname = "world"\ntitle = "World digest"\nsources = ["seeds"]\n'
            f'recipients = ["{WORLD}"]\nschedule = "0 7 * * 1"\n'
            '[[digests]]\nname = "tech"\ntitle = "Tech digest"\n'
            f'recipients = ["{TECH}"]\nschedule = "30 6 * * 1"\n'
            '[digests.include]\nwords = ["semiconductor"]\n'
            '[digests.exclude]\nwords = ["football"]\n'
        )
    return config


def received(inbox: Inbox) -> dict[str, dict[str, EmailMessage]]:
    """reader -> week -> the message they got."""
    got: dict[str, dict[str, EmailMessage]] = {}
    for rcpt_tos, raw in inbox.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        week = message["Subject"].split()[2].rstrip(":")
        for reader in rcpt_tos:
            assert week not in got.get(reader, {}), f"{reader} got {week} twice"
            got.setdefault(reader, {})[week] = message
    return got


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def test_two_digests_from_one_ingest_send_their_own_stories_to_their_own_readers(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    tech = tmp_path / "techwire"
    write_texts(tech, [(n, *fields) for n, fields in TEXTS.items()])
    inbox = Inbox()
    with smtp_server(inbox) as port:
        config = config_of(tmp_path, database_url, seeds_copy, tech, port)
        _, weeks = backfill_flow(ingest=True, config=str(config))
        got = received(inbox)

        # Each digest its own weeks: the world digest the seeds' three, the tech digest the
        # two weeks with a semiconductor story; nobody of [delivery] gets anything.
        assert sorted((w.digest, w.week, w.status) for w in weeks if w.sent) == [
            ("tech", "2025-W43", "sent"), ("tech", "2025-W49", "sent"),
            ("world", "2025-W43", "sent"), ("world", "2025-W49", "sent"),
            ("world", "2026-W06", "sent"),
        ]  # fmt: skip
        assert sorted(got) == [TECH, WORLD]
        assert sorted(got[WORLD]) == ["2025-W43", "2025-W49", "2026-W06"]
        assert sorted(got[TECH]) == ["2025-W43", "2025-W49"]

        world, tech_w43 = text_of(got[WORLD]["2025-W43"]), text_of(got[TECH]["2025-W43"])
        assert got[WORLD]["2025-W43"]["Subject"].strip().startswith("World digest 2025-W43")
        assert got[TECH]["2025-W43"]["Subject"].strip().startswith("Tech digest 2025-W43")
        assert "Kuala Lumpur" in world and "semiconductor" not in world
        assert "Arizona" in tech_w43 and "Kuala Lumpur" not in tech_w43
        assert "football" not in tech_w43.lower()  # the excluded word's story is left out
        assert "Memory makers" in text_of(got[TECH]["2025-W49"])
        ids = {m["Message-ID"] for weeks_got in got.values() for m in weeks_got.values()}
        assert len(ids) == 5
        assert got[WORLD]["2025-W43"]["List-Id"] != got[TECH]["2025-W43"]["List-Id"]

        with session_scope(database_url) as session:
            ledger = digest_store.deliveries_for_week(session, "2025-W43")
        assert sorted((r.digest, r.recipient, r.state) for r in ledger) == [
            ("tech", TECH, "sent"), ("world", WORLD, "sent")
        ]  # fmt: skip

        # A second backfill of both sends nothing again.
        _, again = backfill_flow(ingest=True, config=str(config))
        assert len(inbox.messages) == 5
        assert {w.status for w in again if w.status != "empty"} == {"already sent"}

        # A late arrival of the sent 2025-W43 goes into the next week of the digest that
        # takes it (tech), and not into the world digest, which is not made of techwire.
        write_texts(tech, [LATE])
        _, w44 = weekly_flow(week="2025-W44", config=str(config))
        assert sorted((w.digest, w.status) for w in w44) == [("tech", "sent"), ("world", "empty")]
        late = received(inbox)[TECH]["2025-W44"]
        assert "roadmap for phones" in text_of(late) and "LATE ARRIVALS" in text_of(late)
        assert "2025-W44" not in received(inbox)[WORLD]


def test_one_digest_by_name_its_preview_archive_and_ledger_and_an_unknown_name(
    sqlite_url: str, tmp_path: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli.common import console
    from flows.cli.main import app

    monkeypatch.setattr(console, "width", 200)  # rich would cut the ledger's columns at 80
    from flows.settings import SettingsError

    tech = tmp_path / "techwire"
    write_texts(tech, [(n, *fields) for n, fields in TEXTS.items()])
    inbox = Inbox()
    with smtp_server(inbox) as port:
        config = config_of(tmp_path, sqlite_url, seeds_copy, tech, port)
        _, weeks = backfill_flow(ingest=True, config=str(config), digest="tech")
        assert {w.digest for w in weeks} == {"tech"}
        assert sorted(received(inbox)) == [TECH]
        with pytest.raises(SettingsError, match="no digest is named 'sport'"):
            backfill_flow(config=str(config), digest="sport")

    cli = CliRunner()
    cfg = ["--config", str(config)]
    shown = cli.invoke(app, ["preview", "--week", "2025-W43", "--format", "json",
                             "--digest", "tech", *cfg])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["title"] == "Tech digest"
    assert [s["headline"] for s in data["stories"]] == [
        "Foundry opens new semiconductor plant in Arizona"
    ]
    assert data["stories"][0]["coverage"]["first"]["outlet"] == "Techwire"
    world = cli.invoke(app, ["preview", "--week", "2025-W43", "--format", "text", *cfg])
    assert world.exit_code == 0 and "World digest" in world.output  # the first digest
    assert "Kuala Lumpur" in world.output and "Arizona" not in world.output

    site = tmp_path / "site"
    written = cli.invoke(app, ["archive", "--out", str(site), *cfg])
    assert written.exit_code == 0, written.output
    assert (site / "tech" / "2025-W43.html").exists() and (site / "world" / "index.html").exists()
    assert "Arizona" in (site / "tech" / "2025-W43.html").read_text(encoding="utf-8")

    ledger = cli.invoke(app, ["deliveries", "--week", "2025-W43", "--digest", "tech", *cfg])
    assert ledger.exit_code == 0 and TECH in ledger.output and WORLD not in ledger.output
    wrong = cli.invoke(app, ["preview", "--week", "2025-W43", "--digest", "sport", *cfg])
    assert wrong.exit_code == 2 and "no digest is named 'sport'" in wrong.output
