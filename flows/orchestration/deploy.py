"""`digest deploy`: the deployments of deploy/prefect.yaml, with the settings' time zone."""

from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from flows.digest_settings import WEEKLY_CRON, WeeklySchedule, weekly_schedules
from flows.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PREFECT_FILE = ROOT / "deploy" / "prefect.yaml"
POOL = "digest"  # the work pool deploy/prefect.yaml names


class DeployError(Exception):
    """Prefect refused a step; the message carries what it said."""


def deploy_environment(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """What prefect.yaml's templates read: the schedule's zone always from the settings
    (the file, or DIGEST_TIMEZONE over it), the checkout the worker runs from."""
    env = dict(environ)
    env["DIGEST_TIMEZONE"] = settings.timezone
    env.setdefault("DIGEST_HOME", str(ROOT))
    return env


def prefect_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", "--no-prompt", *args]


def deploy_all(settings: Settings, environ: Mapping[str, str]) -> str:
    """Create the process work pool when it is missing, then deploy every deployment of
    prefect.yaml; returns Prefect's report."""
    env = deploy_environment(settings, environ)
    if _run(prefect_command("work-pool", "inspect", POOL), env).returncode != 0:
        _check(_run(prefect_command("work-pool", "create", POOL, "--type", "process"), env))
    plans = weekly_schedules(settings.digests)
    if plans == [WeeklySchedule("weekly", WEEKLY_CRON, None)]:  # what prefect.yaml says
        done = _run(prefect_command("deploy", "--prefect-file", str(PREFECT_FILE), "--all"), env)
        return _check(done)
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "prefect.yaml"
        file.write_text(yaml.safe_dump(with_schedules(plans), sort_keys=False), encoding="utf-8")
        return _check(_run(prefect_command("deploy", "--prefect-file", str(file), "--all"), env))


def with_schedules(plans: list[WeeklySchedule]) -> dict[str, Any]:
    """prefect.yaml with its weekly deployment made once per plan: the digests' own cron
    strings ([[digests]] schedule), each run with its digest's name."""
    project = yaml.safe_load(PREFECT_FILE.read_text(encoding="utf-8"))
    weekly = next(d for d in project["deployments"] if d["name"] == "weekly")
    made = []
    for plan in plans:
        deployment = copy.deepcopy(weekly) | {"name": plan.deployment}
        deployment["schedules"][0]["cron"] = plan.cron
        deployment["description"] = (
            f"Ingest every source, then deliver last week's digest {plan.digest or ''} "
            f"({plan.cron})."
        ).replace("  ", " ")
        if plan.digest:
            deployment["parameters"]["digest"] = plan.digest
        made.append(deployment)
    at = project["deployments"].index(weekly)
    project["deployments"][at : at + 1] = made
    return project


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # prefect.yaml's entrypoints are relative to the repository root.
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _check(done: subprocess.CompletedProcess[str]) -> str:
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip()[-2000:]
        raise DeployError(f"`{' '.join(done.args[2:])}` failed: {said}")
    return done.stdout
