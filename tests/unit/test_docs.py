"""The README and the code agree: every command and variable named in one is in the other."""

from __future__ import annotations

import re

from typer.main import get_command

from flows.cli.main import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "flows").rglob("*.py"))


def test_every_command_is_in_the_readme_and_every_readme_command_exists() -> None:
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    documented = set(re.findall(r"`digest ([a-z][a-z-]*)", README))
    assert commands - documented == set(), "commands missing from the README"
    assert documented - commands == set(), "the README names commands that do not exist"


def test_every_environment_variable_is_documented_both_ways() -> None:
    code = code_text()
    named_in_readme = set(re.findall(r"\bDIGEST_[A-Z_]+\b", README))
    for var in named_in_readme:
        # Variables are built from the section and key names, so look for the key.
        assert var in code or var.removeprefix("DIGEST_").split("_")[-1].lower() in code, var
    sections = {"digest": "", "delivery": "DELIVERY_", "smtp": "SMTP_"}
    settings = (ROOT / "flows" / "settings.py").read_text(encoding="utf-8")
    for section, prefix in sections.items():
        for key in re.findall(rf'\(\w+, "{section}", "(\w+)"', settings):
            assert f"DIGEST_{prefix}{key.upper()}" in README, f"{section}.{key}"


def test_the_two_commands_come_first() -> None:
    first = README.index("make run")
    assert first < README.index("## The command line")
    assert "make test" in README[: README.index("## The command line")]
