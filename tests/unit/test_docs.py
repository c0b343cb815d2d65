"""The README and the code agree (settings table, DIGEST_* variables, command table, figures),
and each check fails when the README is wrong: shown on mutated copies of it, in memory."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.support import readme_check as check

README = (ROOT / "README.md").read_text(encoding="utf-8")
BENCH_README = (ROOT / "tests" / "bench" / "README.md").read_text(encoding="utf-8")


def test_the_settings_table_has_every_key_with_its_variable() -> None:
    assert len(check.setting_keys()) >= 18  # the parse of settings.py found them all
    assert check.settings_problems(README) == []


def test_every_variable_is_documented_both_ways() -> None:
    assert {"DIGEST_CONFIG", "DIGEST_SMTP_PASSWORD_FILE"} <= check.code_variables()
    assert check.variable_problems(README) == []


def test_the_command_table_lists_exactly_the_commands() -> None:
    assert {"run", "sources add", "subscribers list"} <= check.cli_commands()
    assert check.command_problems(README) == []


def test_every_figure_of_the_performance_section_has_its_command() -> None:
    assert check.figure_problems(README, BENCH_README) == []


def test_the_two_commands_come_first() -> None:
    first = README.index("make run")
    assert first < README.index("## The command line")
    assert "make test" in README[: README.index("## The command line")]


def test_the_readme_stays_short_and_keeps_the_real_news_section() -> None:
    assert len(README.splitlines()) < 300
    assert "\n## Quality on real news\n" in README
    for history in ("What changed", "Tried and left out", "TODO", "To do"):
        assert history not in README, history


def mutated(old: str, new: str) -> str:
    assert old in README, old
    return README.replace(old, new, 1)


@pytest.mark.parametrize(
    ("readme", "reported"),
    [
        (README + "\nSet `DIGEST_TOTALLY_BOGUS_NAME`.\n", "DIGEST_TOTALLY_BOGUS_NAME"),
        (mutated("`DIGEST_SMTP_TIMEOUT`", "`DIGEST_SMTP_TIMEOUTS`"), "DIGEST_SMTP_TIMEOUTS"),
        (mutated("`DIGEST_CONFIG`", "`DIGEST_CONFIG_PATH`"), "DIGEST_CONFIG_PATH"),
        (mutated("DIGEST_SOURCE_<NAME>_PASSWORD", "DIGEST_MAILBOX_<NAME>_PASSWORD"), "<NAME>"),
    ],
)
def test_a_bogus_or_misspelt_variable_is_reported(readme: str, reported: str) -> None:
    assert any(reported in problem for problem in check.variable_problems(readme))


def test_a_missing_or_wrong_settings_row_is_reported() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `smtp.port`"))
    assert any("smtp.port" in p for p in check.settings_problems(README.replace(row + "\n", "")))
    wrong = README.replace(row, row.replace("DIGEST_SMTP_PORT", "DIGEST_PORT"))
    assert any("DIGEST_SMTP_PORT" in p for p in check.settings_problems(wrong))
    extra = README.replace(row, row + "\n| `smtp.colour` | `DIGEST_SMTP_COLOUR` | | |")
    assert any("smtp.colour" in p for p in check.settings_problems(extra))


@pytest.mark.parametrize("command", ["deliveries", "sources export", "subscribers remove"])
def test_a_removed_command_is_reported(command: str) -> None:
    row = next(line for line in README.splitlines() if line.startswith(f"| `digest {command}"))
    problems = check.command_problems(README.replace(row + "\n", ""))
    assert problems == [f"command `digest {command}` is missing from the README"]


def test_a_command_that_does_not_exist_is_reported() -> None:
    bogus = mutated("| `digest serve` |", "| `digest sources prune` | drops |\n| `digest serve` |")
    assert check.command_problems(bogus) == [
        "the README lists `digest sources prune`, which does not exist"
    ]


def test_a_figure_without_its_command_is_reported() -> None:
    changed = mutated("50.1 s to", "50.7 s to")
    assert check.figure_problems(changed, BENCH_README) == [
        "figure 50.7 is not in tests/bench/README.md"
    ]
    unknown = README + "\n- Something else (`tests/bench/bench_nothing.py`).\n"
    assert check.figure_problems(unknown, BENCH_README) == [
        "tests/bench/bench_nothing.py has no command in tests/bench/README.md"
    ]


def test_each_command_row_names_every_option() -> None:
    assert "--all-weeks" in check.cli_options()["run"]
    assert check.option_problems(README) == []
    dropped = mutated(" [--all-weeks]", "")
    assert check.option_problems(dropped) == ["`digest run`: option --all-weeks is not in its row"]
