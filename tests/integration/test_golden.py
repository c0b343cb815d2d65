"""The seed digests, built through the real flows (ingest, backfill, outbox) on SQLite, are
byte for byte the golden files of tests/data/golden/ once their volatile parts are scrubbed.

After an intended change: UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/integration/test_golden.py
rewrites the files; review them with `git diff tests/data/golden/`."""

from __future__ import annotations

import difflib
import email
import os
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from flows.orchestration.weekly_flow import backfill_flow
from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

GOLDEN = ROOT / "tests" / "data" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
VOLATILE_HEADERS = ("Message-ID", "Date")  # made from the clock and a random part at each send
BOUNDARY = re.compile(r'boundary="[^"]+"')


def scrub_headers(message: EmailMessage) -> str:
    lines = []
    for name, value in message.items():
        shown = (
            "<scrubbed>"
            if name in VOLATILE_HEADERS
            else BOUNDARY.sub('boundary="<scrubbed>"', str(value))
        )
        lines.append(f"{name}: {shown}")
    return "\n".join(lines) + "\n"


def golden_files(outbox: Path, tmp_path: Path) -> dict[str, str]:
    """Each week's headers, HTML part and text part, by golden file name."""
    files = {}
    for path in sorted(outbox.glob("*.eml")):
        week = path.name.split("_")[0]
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        files[f"{week}.headers.txt"] = scrub_headers(message)
        files[f"{week}.html"] = message.get_body(("html",)).get_content()
        files[f"{week}.txt"] = message.get_body(("plain",)).get_content()
    # Nothing of the test's temporary folder may reach a digest: it would differ at each run.
    return {name: text.replace(str(tmp_path), "<tmp>") for name, text in files.items()}


def test_the_seed_digests_match_the_golden_files(tmp_path: Path, seeds_copy: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'digest.db'}", seeds_copy)
    _, weeks = backfill_flow(ingest=True, config=str(config))
    assert [w.status for w in weeks] == ["sent"] * len(weeks) and weeks

    built = golden_files(tmp_path / "outbox", tmp_path)
    if UPDATE:
        for stale in GOLDEN.glob("*-W*.*"):
            stale.unlink()
        for name, text in built.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")

    stored = {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*-W*.*"))}
    assert sorted(built) == sorted(stored), "weeks differ; UPDATE_GOLDEN=1 rewrites the files"
    differences = []
    for name, text in built.items():
        if text != stored[name]:
            diff = difflib.unified_diff(
                stored[name].splitlines(), text.splitlines(), "golden", "built", lineterm=""
            )
            differences.append(f"{name}:\n" + "\n".join(list(diff)[:60]))
    assert not differences, "UPDATE_GOLDEN=1 rewrites the files if intended:\n" + "\n".join(
        differences
    )
