"""Two runs of the same week at once (the schedule and a manual rerun) send it once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.orchestration.ingest_flow import ingest_flow
from tests.conftest import ROOT, write_config
from tests.support.smtp_servers import Inbox, smtp_server

pytestmark = pytest.mark.slow  # runs two `digest` processes at once


@pytest.mark.usefixtures("prefect_harness")
def test_two_runs_at_once_mail_each_reader_once(
    database_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    inbox = Inbox()
    with smtp_server(inbox) as port:
        config = write_config(tmp_path, database_url, seeds_copy, transport="smtp",
                              recipients=["ana@example.org", "bo@example.org"])  # fmt: skip
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
        ingest_flow(config=str(config))
        env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
        command = [sys.executable, "-m", "flows.cli.main", "run", "--week", "2025-W43",
                   "--no-ingest", "--config", str(config)]  # fmt: skip
        runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
        outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == [
        "ana@example.org", "bo@example.org"
    ]  # fmt: skip
    rows = [next(line for line in out.splitlines() if line.startswith("│ 2025-W43"))
            for out, _ in outputs]  # fmt: skip
    statuses = sorted(row.split("│")[2].strip() for row in rows)
    assert statuses == ["already sent", "sent"], statuses
