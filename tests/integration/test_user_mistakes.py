"""A user's mistakes, made with the real `digest` command: each is one line on standard
error with exit code 2, said before Prefect starts, and nothing is created or stored."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from flows.settings import load_settings
from tests.conftest import write_config

DIGEST = str(Path(sys.executable).with_name("digest"))
FAST = 5.0  # seconds of processor: a usage error never starts Prefect (13 s of it)


def digest(*args: str, cwd: Path, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    """The command's result and the processor time it took: on a machine shared by many
    tests, wall-clock time says more about the others (Prefect's start costs 13 s of it)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [DIGEST, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
        env={**clean, "COLUMNS": "200", **env},
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def refused(done: subprocess.CompletedProcess, elapsed: float, *said: str) -> str:
    """The one line of a usage or settings error, checked."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""
    assert elapsed < FAST, elapsed
    for part in said:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def config(tmp_path: Path, seeds_copy: Path) -> Path:
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", seeds_copy)


@pytest.mark.parametrize("command", [["ingest"], ["run"], ["subscribers", "list"], ["migrate"]])
def test_without_a_settings_file_nothing_is_made(tmp_path: Path, command: list[str]) -> None:
    done, elapsed = digest(*command, cwd=tmp_path)
    refused(done, elapsed, "no digest.toml in", "--config")
    assert list(tmp_path.iterdir()) == []  # no empty database where the command stood


@pytest.mark.parametrize(
    ("append", "said"),
    [("[smpt]\nhost = 'mail'\n", "unknown section [smpt]; did you mean [smtp]?"),
     ("[prefect]\ntask_runer = 'dask'\n", 'did you mean "task_runner"?')],
)  # fmt: skip
def test_a_misspelt_name_stops_before_anything_runs(
    tmp_path: Path, config: Path, append: str, said: str
) -> None:
    config.write_text(
        config.read_text(encoding="utf-8").replace("recipients", "recipient") + append,
        encoding="utf-8",
    )
    done, elapsed = digest("run", "--config", str(config), cwd=tmp_path)
    refused(
        done, elapsed, 'unknown key "recipient" in [delivery]; did you mean "recipients"?', said
    )
    assert not (tmp_path / "d.db").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [(["ingest", "--source", "sedes"], "no source named 'sedes' in"),
     (["ingest", "--source", "nosuch"], "(known: seeds)"),
     (["backfill", "2025-W50", "2025-W40"], "2025-W50 comes after 2025-W40"),
     (["backfill", "2025-W40", "2025-W60"], "2025 has no week 60"),
     (["backfill", "last", "2025-W40"], "'last' is not an ISO week"),
     (["run", "--week", "2025-43"], "is not an ISO week such as 2025-W43"),
     (["preview", "--week", "2025-W43", "--format", "pdf"], "expected html, text, markdown"),
     (["ingest", "--sorce", "seeds"], "No such option: --sorce (Possible options: --force,"),
     (["backfill", "2025-W40"], "Missing argument 'to_week'"),
     (["sources", "imprt", "x.opml"], "No such command 'imprt'")],
)  # fmt: skip
def test_a_usage_error_is_one_line_before_prefect_starts(
    tmp_path: Path, config: Path, args: list[str], said: str
) -> None:
    done, elapsed = digest(*args, "--config", str(config), cwd=tmp_path)
    refused(done, elapsed, said)
    assert "Traceback" not in done.stderr and not (tmp_path / "d.db").exists()


@pytest.mark.parametrize("port", ["1e999", "abc", "-1", "0"])
def test_a_bad_number_in_the_environment_is_one_line(
    tmp_path: Path, config: Path, port: str
) -> None:
    done, elapsed = digest("run", "--config", str(config), cwd=tmp_path, DIGEST_SMTP_PORT=port)
    refused(done, elapsed, "DIGEST_SMTP_PORT", repr(port))


def test_a_misspelt_variable_is_a_warning(tmp_path: Path, config: Path) -> None:
    done, _ = digest("subscribers", "list", "--config", str(config), cwd=tmp_path,
                     DIGEST_SMTP_HOTS="mail")  # fmt: skip
    assert done.returncode == 0
    assert "DIGEST_SMTP_HOTS is not a setting, ignored; did you mean DIGEST_SMTP_HOST?" in (
        done.stderr
    )


def test_a_malformed_proxy_is_refused_without_its_password(tmp_path: Path, config: Path) -> None:
    done, elapsed = digest("ingest", "--config", str(config), cwd=tmp_path,
                           DIGEST_HTTP_PROXY="http://me:hunter2@proxy.lan:port")  # fmt: skip
    line = refused(done, elapsed, "DIGEST_HTTP_PROXY", "me:***@proxy.lan")
    assert "hunter2" not in line


@pytest.mark.parametrize(
    "address", ["ana@example.org\r\nBcc: everyone@example.org", "ana@example.org\n", "nobody"]
)
def test_an_address_with_a_line_break_is_refused(
    tmp_path: Path, config: Path, address: str
) -> None:
    done, elapsed = digest("subscribers", "add", address, "--config", str(config), cwd=tmp_path)
    refused(done, elapsed, "is not an email address")
    assert not (tmp_path / "d.db").exists()


OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>Mine</title></head><body>
<outline title="📰 News 🎉" xmlUrl="https://a.example/feed"/>
<outline title="" text="" xmlUrl="https://b.example/feed"/>
<outline title="   " xmlUrl="https://c.example/feed"/>
<outline title="He said &quot;hi&quot; \\ back\\slash" xmlUrl="https://d.example/f?a=1&amp;b=&quot;2&quot;"/>
<outline title="line&#10;break&#13;cr&#9;tab&#127;del" xmlUrl="https://e.example/feed"/>
<outline title="[red]x[/red] [link=https://evil.example]y" xmlUrl="https://me:hunter2@g.example/feed"/>
<outline title="newline url" xmlUrl="https://f.example/f&#10;eed"/>
<outline title="script" xmlUrl="javascript:alert(1)"/>
<outline title="twice" xmlUrl="https://h.example/1"/>
<outline title="twice" xmlUrl="https://h.example/2"/>
</body></opml>"""


def test_an_import_of_odd_titles_leaves_a_file_that_reads(tmp_path: Path, config: Path) -> None:
    config.write_text("# my settings\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "subs.opml").write_text(OPML, encoding="utf-8")
    done, _ = digest("sources", "import", "subs.opml", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "hunter2" not in done.stdout and "me:***@g.example" in done.stdout
    assert "[red]x[/red] [link=https://evil.example]y" in done.stdout  # shown, not read
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my settings\n")  # the user's comments are kept
    names = {s.name: s.url for s in load_settings(config, environ={}).sources}
    assert names == {
        "seeds": None,
        "📰 News 🎉": "https://a.example/feed",
        "https://b.example/feed": "https://b.example/feed",
        "https://c.example/feed": "https://c.example/feed",
        'He said "hi" \\ back\\slash': 'https://d.example/f?a=1&b="2"',
        "line break cr tab del": "https://e.example/feed",
        "[red]x[/red] [link=https://evil.example]y": "https://me:hunter2@g.example/feed",
        "twice": "https://h.example/1",
        "twice (2)": "https://h.example/2",
    }
    assert tomllib.loads(text)["sources"][0]["name"] == "seeds"
    again, _ = digest("sources", "import", "subs.opml", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and config.read_text(encoding="utf-8") == text  # round trip
    listed, _ = digest("sources", "--format", "json", "--config", str(config), cwd=tmp_path)
    assert "hunter2" not in listed.stdout and "me:***@g.example" in listed.stdout
    table, _ = digest("sources", "--config", str(config), cwd=tmp_path)
    assert "[red]x[/red]" in table.stdout and "hunter2" not in table.stdout


@pytest.mark.parametrize(
    ("name", "url"),
    [("x\ny", "https://x.example/feed"), ("x", "https://me:hunter2@x.example:99999/"),
     ("x", "file:///etc/passwd")],
)  # fmt: skip
def test_sources_add_refuses_what_would_not_read(
    tmp_path: Path, config: Path, name: str, url: str
) -> None:
    before = config.read_text(encoding="utf-8")
    done, elapsed = digest("sources", "add", name, url, "--config", str(config), cwd=tmp_path)
    assert "hunter2" not in refused(done, elapsed, "not added")
    assert config.read_text(encoding="utf-8") == before


@pytest.fixture
def api_env(prefect_harness: None) -> dict[str, str]:
    """The command on the test's Prefect server instead of one of its own."""
    from prefect.settings import PREFECT_API_URL

    return {"PREFECT_API_URL": str(PREFECT_API_URL.value())}


def test_a_failed_source_exits_3_once_the_digest_is_out_and_no_password_is_kept(
    tmp_path: Path, seeds_copy: Path, api_env: dict[str, str]
) -> None:
    locked = {"name": "locked", "kind": "feed", "url": "http://me:hunter2@127.0.0.1:1/feed"}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", seeds_copy, [locked])
    ingested, _ = digest("ingest", "--config", str(config), cwd=tmp_path, **api_env)
    assert ingested.returncode == 3, ingested.stderr[-3000:]  # some sources failed
    ran, _ = digest("run", "--week", "2025-W43", "--config", str(config), cwd=tmp_path, **api_env)
    assert ran.returncode == 3, ran.stderr[-3000:]  # the digest went out, a source failed
    assert list((tmp_path / "outbox").rglob("*.eml"))
    assert "me:***@127.0.0.1:1" in ingested.stdout  # the reason, its password masked
    assert "backing off" in ran.stdout  # the run skipped it: still a source to look at
    for done in (ingested, ran):
        assert "hunter2" not in done.stdout + done.stderr
    assert "hunter2" not in "\n".join(_prefect_logs_and_artifacts())


def _prefect_logs_and_artifacts() -> list[str]:
    """Every log line and artifact the Prefect server keeps (its database's copy)."""
    import asyncio

    from prefect.client.orchestration import get_client

    async def read() -> list[str]:
        async with get_client() as client:
            logs = await client.read_logs(limit=200)
            artifacts = await client.read_artifacts(limit=200)
            runs = await client.read_flow_runs(limit=200)
        return ([log.message for log in logs] + [str(a.data) for a in artifacts]
                + [str(r.parameters) for r in runs])  # fmt: skip

    found = asyncio.run(read())
    assert any("me:***@127.0.0.1:1" in text for text in found)
    return found
