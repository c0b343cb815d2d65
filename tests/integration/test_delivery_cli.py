"""`digest run` as an operator runs it (a real process, a real SMTP server): the readers of
a run are that run's alone, and a reader that could not be served makes the run fail."""

from __future__ import annotations

import email
import os
from email import policy
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.integration.test_cli import digest
from tests.support.smtp_servers import Inbox, smtp_server


@pytest.fixture
def api_env(prefect_harness: None) -> dict[str, str]:
    """The test's Prefect server, and no DIGEST_* variable but those a test sets."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    return env | {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}


def delivered(inbox: Inbox) -> list[tuple[str, str]]:
    """(week, recipient) of each message the server accepted, in order."""
    out = []
    for rcpts, raw in inbox.messages:
        subject = email.message_from_bytes(raw, policy=policy.default)["Subject"]
        out += [(subject.split()[2].rstrip(":"), r) for r in rcpts]
    return out


def test_an_address_from_the_environment_is_mailed_by_that_run_only(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        config = write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", seeds_copy,
                              transport="smtp")  # fmt: skip
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
        once = api_env | {"DIGEST_DELIVERY_RECIPIENTS": "extra@example.org"}
        first = digest("run", "--week", "2025-W43", "--config", str(config), env=once)
        assert first.returncode == 0, first.stdout + first.stderr[-2000:]
        later = digest("run", "--week", "2025-W49", "--no-ingest", "--config", str(config),
                       env=api_env)  # fmt: skip
        assert later.returncode == 0, later.stdout + later.stderr[-2000:]
        resent = digest("run", "--week", "2025-W43", "--no-ingest", "--resend", "--config",
                        str(config), env=api_env)  # fmt: skip
        assert resent.returncode == 0, resent.stdout + resent.stderr[-2000:]
    assert delivered(inbox) == [
        ("2025-W43", "extra@example.org"),
        ("2025-W49", "reader@example.org"),
        ("2025-W43", "reader@example.org"),
    ]
    listed = digest("subscribers", "list", "--config", str(config), env=api_env).stdout
    assert "not mailed: the settings no longer name it" in next(
        line for line in listed.splitlines() if "extra@example.org" in line)  # fmt: skip


def test_a_reader_not_served_makes_the_run_exit_1_with_the_reason(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", seeds_copy,
                          recipients=["ana@example.org", "bo@example.org"])  # fmt: skip
    # A folder where bo's file should go: the write fails as on a full or read-only disk.
    (tmp_path / "outbox" / "2025-W43_bo@example.org.eml").mkdir(parents=True)
    done = digest("run", "--week", "2025-W43", "--config", str(config), env=api_env)
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "partial" in done.stdout and "cannot write to the outbox" in done.stdout
    assert (tmp_path / "outbox" / "2025-W43_ana@example.org.eml").is_file()
    ledger = digest("deliveries", "--week", "2025-W43", "--config", str(config), env=api_env)
    rows = {reader: next(line for line in ledger.stdout.splitlines() if reader in line)
            for reader in ("ana@example.org", "bo@example.org")}  # fmt: skip
    assert " sent " in rows["ana@example.org"] and " failed " in rows["bo@example.org"]
