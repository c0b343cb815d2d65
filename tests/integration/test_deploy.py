"""End to end with a real Prefect server: `digest serve` registers the deployments, the
weekly schedule fires Mondays 07:00 in the configured zone, and runs triggered through
the Prefect client build the database and mail an SMTP inbox."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db import models
from db.engine import session_scope
from tests.conftest import ROOT, write_config
from tests.support.prefect_server import prefect_env, prefect_server, stop
from tests.support.smtp_servers import Inbox, smtp_server

pytestmark = pytest.mark.slow  # starts Prefect servers of its own and a worker


def wait_for(what: str, probe, seconds: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = probe()
        except Exception:  # not there yet: the server answers 404 until it is
            found = None
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"gave up waiting for {what}")


def test_served_deployments_schedule_and_run(tmp_path: Path, seeds_copy: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    database = f"sqlite:///{tmp_path / 'digest.db'}"
    inbox = Inbox()
    home = tmp_path / "prefect"
    home.mkdir()
    with smtp_server(inbox) as smtp_port, prefect_server(home) as api:
        config = write_config(tmp_path, database, seeds_copy, transport="smtp",
                              recipients=["ana@example.org"])  # fmt: skip
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n')
        env = prefect_env(home, api) | {"DIGEST_TIMEZONE": "Europe/Paris"}
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.cli.main", "serve", "--config", str(config)],
            cwd=ROOT, env=env, stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                # `serve` registers its deployments one after another (prefect's serve()
                # applies each in turn): weekly being there says nothing of backfill yet.
                weekly, _, _ = wait_for("the served deployments", lambda: [
                    client.read_deployment_by_name(name)
                    for name in ("weekly/weekly", "backfill/backfill", "ingest/ingest")
                ])  # fmt: skip
                [schedule] = client.read_deployment_schedules(weekly.id)
                assert schedule.schedule.cron == "0 7 * * 1"
                assert schedule.schedule.timezone == "Europe/Paris"
                runs = wait_for("a scheduled weekly run", lambda: client.read_flow_runs(
                    deployment_filter=_deployment_filter(weekly.id)))  # fmt: skip
                first = min(r.expected_start_time for r in runs).astimezone(
                    ZoneInfo("Europe/Paris")
                )
                assert (first.weekday(), first.hour, first.minute) == (0, 7, 0)

                backfill = run_deployment("backfill/backfill", timeout=240, parameters={
                    "from_week": "2025-W40", "to_week": "2025-W50", "ingest": True})  # fmt: skip
                assert backfill.state.is_completed(), backfill.state
                assert backfill.name == "backfill-2025-W40-2025-W50"
                weekly_run = run_deployment("weekly/weekly", timeout=240,
                                            parameters={"week": "2026-W06"})  # fmt: skip
                assert weekly_run.state.is_completed(), weekly_run.state
                # The backfill's weeks are task runs of its flow run; the weekly run's
                # digest is a flow run of its own.
                weeks = {r.name for r in client.read_task_runs(flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=[backfill.id])))}  # fmt: skip
                assert {"digest-2025-W43", "digest-2025-W49"} <= weeks
                subflows = {r.name for r in client.read_flow_runs() if r.name.startswith("digest-")}
                assert "digest-2026-W06" in subflows
        finally:
            stop(serving)
    weeks = sorted(raw.split(b"Subject: ")[1].split()[2].rstrip(b":").decode()
                   for _, raw in inbox.messages)  # fmt: skip
    assert weeks == ["2025-W43", "2025-W49", "2026-W06"]
    with session_scope(database) as session:
        assert session.scalar(select(func.count()).select_from(models.Document)) == 5


def _deployment_filter(deployment_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    return DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))


def test_digest_deploy_takes_the_zone_from_the_settings(tmp_path: Path, seeds_copy: Path) -> None:
    """`digest deploy` deploys deploy/prefect.yaml: the weekly cron in the settings file's
    zone (DIGEST_TIMEZONE over it, as for every setting), and a worker runs the flows."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    database = f"sqlite:///{tmp_path / 'digest.db'}"
    config = write_config(tmp_path, database, seeds_copy)
    config.write_text(config.read_text().replace('timezone = "UTC"', 'timezone = "Asia/Tokyo"'))
    home = tmp_path / "prefect"
    home.mkdir()
    with prefect_server(home) as api:
        env = prefect_env(home, api)  # no DIGEST_* variable: the zone comes from the file
        command = [sys.executable, "-m", "flows.cli.main", "deploy", "--config", str(config)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Asia/Tokyo" in done.stdout
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            assert client.read_work_pool("digest").type == "process"
            weekly = client.read_deployment_by_name("weekly/weekly")
            [schedule] = client.read_deployment_schedules(weekly.id)
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (
                "0 7 * * 1", "Asia/Tokyo")  # fmt: skip
            runs = wait_for("a scheduled weekly run", lambda: client.read_flow_runs(
                deployment_filter=_deployment_filter(weekly.id)))  # fmt: skip
            first = min(r.expected_start_time for r in runs).astimezone(ZoneInfo("Asia/Tokyo"))
            assert (first.weekday(), first.hour, first.minute) == (0, 7, 0)
            [ingest] = client.read_deployment_schedules(
                client.read_deployment_by_name("ingest/ingest").id
            )
            assert (ingest.active, ingest.schedule.interval.total_seconds()) == (False, 21600)
            assert client.read_deployment_by_name("backfill/backfill").parameters["to_week"] is None

        # Deployed again (the pool is there now) with the zone from the environment.
        again = subprocess.run(command, cwd=ROOT, env=env | {"DIGEST_TIMEZONE": "Europe/Paris"},
                               capture_output=True, text=True)  # fmt: skip
        assert again.returncode == 0, again.stdout + again.stderr
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "digest"],
            cwd=tmp_path, env=env | {"DIGEST_HOME": str(ROOT)},
            stdout=(tmp_path / "worker.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                weekly = client.read_deployment_by_name("weekly/weekly")
                [schedule] = client.read_deployment_schedules(weekly.id)
                assert schedule.schedule.timezone == "Europe/Paris"
                run = run_deployment("weekly/weekly", timeout=240, parameters={
                    "week": "2025-W43", "config": str(config)})  # fmt: skip
                assert run.state.is_completed(), run.state
        finally:
            stop(worker)
    assert [p.name for p in (tmp_path / "outbox").glob("*.eml")] == [
        "2025-W43_reader@example.org.eml"
    ]
