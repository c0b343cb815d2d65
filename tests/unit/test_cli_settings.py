"""The command line's reading of the settings: one line per error or warning, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from flows.cli.common import USAGE, settings_or_exit, shown


def test_no_sources_is_a_warning_for_a_command_that_ingests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGEST_CONFIG", raising=False)
    config = tmp_path / "digest.toml"
    config.write_text('[digest]\ntitle = "Mine"\n', encoding="utf-8")
    settings_or_exit(config, reads_sources=True)
    assert capsys.readouterr().err == (
        f"digest: warning: {config} has no [[sources]]: nothing to ingest\n"
    )
    settings_or_exit(config)  # a command that reads no source says nothing of them
    assert capsys.readouterr().err == ""


def test_without_a_file_the_database_must_be_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DIGEST_CONFIG", "DIGEST_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(typer.Exit) as stopped:
        settings_or_exit(None)
    assert stopped.value.exit_code == USAGE
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"digest: no digest.toml in {tmp_path} and DIGEST_CONFIG is not set")
    monkeypatch.setenv("DIGEST_DATABASE_URL", f"sqlite:///{tmp_path}/d.db")
    assert settings_or_exit(None).config_path is None  # settings from the environment alone
    with pytest.raises(typer.Exit):
        settings_or_exit(None, reads_sources=True)  # sources come only from a file


@pytest.mark.parametrize(
    ("text", "cell"),
    [("[red]x[/red]", r"\[red]x\[/red]"), ("a\r\nb\x1b[2J", r"a\r\nb\x1b[2J"),
     ("https://me:pw@x.example/f", "https://me:***@x.example/f")],
)  # fmt: skip
def test_user_text_in_a_table_is_shown_not_read(text: str, cell: str) -> None:
    assert shown(text) == cell


def test_sources_with_nothing_new_are_one_row_when_many() -> None:
    from io import StringIO

    from rich.console import Console

    from flows.cli.main import QUIET_ROWS, _sources_table
    from flows.records import Failure, SourceReport

    quiet = [SourceReport(f"feed-{i}", "unchanged", unchanged=1) for i in range(QUIET_ROWS + 5)]
    news = [
        SourceReport("harbour", "ok", new=3),
        SourceReport("broken", "failed", error="timed out"),
        SourceReport("odd", "unchanged", failures=(Failure("odd", "x", "bad entry"),)),
    ]
    out = StringIO()
    Console(file=out, width=200).print(_sources_table(quiet + news))
    text = out.getvalue()
    assert f"{QUIET_ROWS + 5} sources" in text and "feed-3" not in text
    assert all(name in text for name in ("harbour", "broken", "timed out", "odd"))
    few = StringIO()
    Console(file=few, width=200).print(_sources_table(quiet[:QUIET_ROWS]))
    assert "feed-3" in few.getvalue() and "sources" not in few.getvalue()
