"""What the README must say to agree with the code: its settings table, the DIGEST_* variables
it names, its command table and the figures it quotes. Each check takes the README's text
and returns the problems found, so a test can feed it a mutated README and see it fail."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from typer.main import get_command

from flows.cli.main import app
from flows.settings_check import source_password_variable, variable

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = ROOT / "flows" / "settings.py"
# load_settings' helpers: (table, section, key, ...)
READERS = {"get", "text", "number", "integer", "choice"}
VARIABLE = re.compile(r"DIGEST_[A-Z0-9_]*[A-Z0-9]")
README_VARIABLE = re.compile(r"\bDIGEST_[A-Z0-9_<>]*[A-Z0-9>]")
SOURCE_PASSWORD = re.compile(r"DIGEST_SOURCE_(<NAME>|[A-Z0-9_]+)_PASSWORD")


def section(readme: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading of that level."""
    start = readme.index(f"\n## {heading}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end > 0 else len(readme)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each body row of the markdown tables in `text`, backticks dropped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[-:| ]+\|", line):
            rows.append([c.strip().strip("`") for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return [row for row in rows if row[0] not in {"key", "command"}]  # headers


def setting_keys() -> set[str]:
    """Every `section.key` that load_settings reads, found in its source."""
    keys = set()
    for node in ast.walk(ast.parse(SETTINGS_SOURCE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        reader = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if reader in READERS:
            values = [a.value for a in node.args[1:3] if isinstance(a, ast.Constant)]
            if len(values) == 2:
                keys.add(".".join(values))
    return keys


def code_variables() -> set[str]:
    """The DIGEST_* names the code spells out whole (DIGEST_CONFIG, DIGEST_HOME, ...), a
    secret's `_FILE` twin, and the variables of every setting key."""
    found = set()
    for path in (ROOT / "flows").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and VARIABLE.fullmatch(value):
                found.add(value)
    secrets = {name for name in found if name.endswith("_PASSWORD")}
    found |= {f"{name}_FILE" for name in secrets}
    return found | {variable(*key.split(".")) for key in setting_keys()}


def settings_problems(readme: str) -> list[str]:
    """The settings table has one row per key with its exact variable, and no other row."""
    rows = {row[0]: row[1] for row in table_rows(section(readme, "Settings")) if len(row) > 1}
    problems = []
    for key in sorted(setting_keys()):
        expected = variable(*key.split("."))
        if key not in rows:
            problems.append(f"setting {key} has no row in the settings table")
        elif rows[key] != expected:
            problems.append(f"setting {key}: the table says {rows[key]}, the code reads {expected}")
    problems += [
        f"the settings table names {key}, not a setting" for key in rows.keys() - setting_keys()
    ]
    return problems


def variable_problems(readme: str) -> list[str]:
    """Every DIGEST_* the README names is read by the code, and every one the code reads is
    in the README (a mailbox password's name stands for its family)."""
    named = set(README_VARIABLE.findall(readme))
    known = code_variables()
    problems = []
    for name in sorted(named):
        if is_source_password(name):
            continue
        if name not in known:
            problems.append(f"the README names {name}, which the code does not read")
    problems += [
        f"{name} is read by the code but not in the README" for name in sorted(known - named)
    ]
    if "DIGEST_SOURCE_<NAME>_PASSWORD" not in named:
        problems.append("the mailbox password variable DIGEST_SOURCE_<NAME>_PASSWORD is missing")
    return problems


def is_source_password(name: str) -> bool:
    """DIGEST_SOURCE_<NAME>_PASSWORD (or an example of it, or its _FILE twin) as the code
    spells a mailbox's password variable."""
    found = SOURCE_PASSWORD.fullmatch(name.removesuffix("_FILE"))
    if not found:
        return False
    example = found[1].strip("<>")
    spelled = source_password_variable(example).replace(example, found[1], 1)
    return spelled == name.removesuffix("_FILE")


def cli_commands() -> set[str]:
    """Every command path of `digest`, groups and their subcommands: {"run", "sources add", ...}."""

    def walk(command: Any, prefix: tuple[str, ...]) -> set[str]:
        found = {" ".join(prefix)} if prefix else set()
        # A group has `commands` (typer's click may not be the installed click).
        for name, sub in getattr(command, "commands", {}).items():
            found |= walk(sub, (*prefix, name))
        return found

    return walk(get_command(app), ())


def documented_commands(readme: str) -> set[str]:
    """The commands of the command table: the lower-case words after `digest`, and each
    prefix of them (`sources add` documents the group `sources` too)."""
    found = set()
    for row in command_rows(readme):
        words = command_words(row[0])
        found |= {" ".join(words[: n + 1]) for n in range(len(words))}
    return found


def command_rows(readme: str) -> list[list[str]]:
    rows = table_rows(section(readme, "The command line"))
    assert all(row[0].startswith("digest ") for row in rows), "a command row not of `digest`"
    return rows


def command_words(usage: str) -> list[str]:
    """`digest sources add NAME URL` -> ["sources", "add"]: the words up to the first argument
    or option (arguments are written in capitals)."""
    words = []
    for word in usage.split()[1:]:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        words.append(word)
    return words


def cli_options() -> dict[str, set[str]]:
    """The long options of each command path, less --config and --help that all share."""
    options: dict[str, set[str]] = {}

    def walk(command: Any, prefix: tuple[str, ...]) -> None:
        if prefix:
            names = {o for p in command.params for o in p.opts if o.startswith("--")}
            options[" ".join(prefix)] = names - {"--config", "--help"}
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*prefix, name))

    walk(get_command(app), ())
    return options


def option_problems(readme: str) -> list[str]:
    """Each command's row in the command table names every one of its options."""
    rows = {" ".join(command_words(row[0])): row[0] for row in command_rows(readme)}
    problems = []
    for command, names in sorted(cli_options().items()):
        if command in rows:
            problems += [f"`digest {command}`: option {o} is not in its row" for o in sorted(names)
                         if not re.search(rf"{o}\b(?!-)", rows[command])]  # fmt: skip
    return problems


def command_problems(readme: str) -> list[str]:
    commands, documented = cli_commands(), documented_commands(readme)
    return [
        f"command `digest {c}` is missing from the README" for c in sorted(commands - documented)
    ] + [
        f"the README lists `digest {c}`, which does not exist"
        for c in sorted(documented - commands)
    ]


def figure_problems(readme: str, bench_readme: str) -> list[str]:
    """Every figure of the quality and performance sections (a decimal or a number with
    thousands) and every bench they name appear in tests/bench/README.md, with commands."""
    text = section(readme, "Quality on real news") + section(readme, "Performance at a glance")
    figures = re.findall(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+\.\d+", text)
    benches = re.findall(r"tests/bench/bench_\w+\.py", text)
    problems = [
        f"figure {f} is not in tests/bench/README.md"
        for f in figures
        if not re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d,])", bench_readme)
    ]
    problems += [f"{b} has no command in tests/bench/README.md" for b in benches
                 if f".venv/bin/python {b}" not in bench_readme]  # fmt: skip
    return problems
