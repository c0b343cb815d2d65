"""Fixtures shared by the tests: databases (SQLite and PostgreSQL), settings, Prefect, a browser."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, Browser

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "flows,db")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
POSTGRES_SERVER = os.environ.get(
    "DIGEST_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_reachable() -> str | None:
    """None when the server answers, else why not."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as err:  # any failure to connect means "unreachable", with its reason
        return f"PostgreSQL at {POSTGRES_SERVER} is unreachable: {err.__class__.__name__}: {err}"
    return None


def need_postgres() -> None:
    reason = postgres_reachable()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema of its own in the `test` database, dropped afterwards."""
    need_postgres()
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_SERVER)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        from db.engine import dispose

        dispose(url)
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'digest.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'digest.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """The seeds in a folder of their own, so a test may add bad files beside them."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def write_config(
    tmp_path: Path,
    database_url: str,
    seeds: Path | None,
    sources: list[dict[str, object]] = (),  # type: ignore[assignment]
    **delivery: object,
) -> Path:
    """A digest.toml for a test: its own database, outbox and sources (the seeds first)."""
    lines = [
        "[digest]",
        'title = "Weekly digest"',
        'timezone = "UTC"',
        f'database_url = "{database_url}"',
        "[delivery]",
        f'outbox = "{tmp_path / "outbox"}"',
        'from = "Digest <digest@example.org>"',
    ]
    delivery.setdefault("recipients", ["reader@example.org"])
    for key, value in delivery.items():
        lines.append(f"{key} = {_toml(value)}")
    if seeds is not None:
        lines += ["[[sources]]", 'name = "seeds"', 'kind = "files"', f'path = "{seeds}"']
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {_toml(value)}" for key, value in source.items()]
    path = tmp_path / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for every flow test of the session (of each xdist
    worker). Its database is a copy of the template `make install` made, migrated and its
    blocks registered, as a new home's local server has: Prefect's harness would migrate a
    new one for each worker, some 10 s of CPU apiece."""
    from unittest import mock

    from prefect.testing import utilities

    from tests.support.prefect_server import from_template

    folder = tmp_path_factory.mktemp("prefect-harness")
    skip = from_template(folder / "prefect-test.db")  # the harness's database, in a new folder
    harness = utilities.prefect_test_harness(server_startup_timeout=120)
    # The server reads the environment when it starts; the servers tests start later do not.
    with (
        mock.patch.object(utilities, "mkdtemp", lambda: str(folder)),
        mock.patch.dict(os.environ, skip),
    ):
        harness.__enter__()
    try:
        yield
    finally:
        harness.__exit__(None, None, None)


@pytest.fixture(scope="session", autouse=True)
def cpu_pool_stopped_at_end() -> Iterator[None]:
    """The ingest's worker processes, started by whichever test first parsed a feed, are
    stopped with the session: left to the interpreter's exit, they outlived pytest."""
    yield
    from flows.pipeline.cpu_pool import stop_cpu_pool

    stop_cpu_pool()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the module's tests; a failure in CI where it must be installed."""
    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with Browser() as running:
        yield running
