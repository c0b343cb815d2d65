"""The layer contract, read from the import statements (AST), and the size limits.

Steps (flows/sources ... flows/deliver) are pure: no Prefect, no SQLAlchemy, no settings
types, nothing of db/ or of the layers above them, and nothing of a step that comes later
in the data's path (the shared modules at the top of flows/: of no step at all). db/ knows
of flows/ only the shared records. pipeline/ opens sessions but knows nothing of Prefect;
only orchestration/ and cli/ import Prefect.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("sources", "normalise", "dedupe", "stories", "render", "deliver")
ABOVE_STEPS = ("db", "flows.pipeline", "flows.orchestration", "flows.cli")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60

# What each layer must not import (a module, or anything under it).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "step": ("prefect", "sqlalchemy", "alembic", "flows.settings", *ABOVE_STEPS),
    "shared": ("prefect", "sqlalchemy", "alembic", *ABOVE_STEPS, *(f"flows.{s}" for s in STEPS)),
    "db": ("prefect", "flows"),
    "pipeline": ("prefect", "flows.orchestration", "flows.cli"),
    "orchestration": ("flows.cli",),
    "cli": (),
}
ALLOWED: dict[str, tuple[str, ...]] = {"db": ("flows.records",)}
# Prefect's modules beyond its flow and task API: only flows/orchestration/prefect_internals.py
# uses them, where a test per use catches a release that changes one.
PREFECT_INTERNALS = ("prefect.context", "prefect.utilities", "prefect.server", "prefect._internal")
INTERNALS_MODULE = Path("flows/orchestration/prefect_internals.py")


def layer_of(path: Path, root: Path) -> str | None:
    """The layer of a module of the tree at `root`, None for one outside flows/ and db/."""
    parts = path.relative_to(root).parts
    if parts[0] == "db":
        return "db"
    if parts[0] != "flows":
        return None
    if len(parts) == 2:  # flows/records.py, flows/text.py ...: shared by every layer
        return "shared"
    return "step" if parts[1] in STEPS else parts[1]


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every import, those inside functions and TYPE_CHECKING included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:  # `from flows import records` imports flows.records
                yield node.lineno, f"{node.module}.{alias.name}"


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def later_steps(path: Path, root: Path) -> tuple[str, ...]:
    """The packages of the steps after the one `path` belongs to (none outside a step)."""
    parts = path.relative_to(root).parts
    if len(parts) < 3 or parts[0] != "flows" or parts[1] not in STEPS:
        return ()
    return tuple(f"flows.{s}" for s in STEPS[STEPS.index(parts[1]) + 1 :])


def python_files(root: Path) -> Iterator[Path]:
    for top in ("flows", "db"):
        yield from sorted((root / top).rglob("*.py"))


def layer_violations(root: Path) -> list[str]:
    """Every import that crosses the contract, as "path:line: layer imports module"."""
    found = []
    for path in python_files(root):
        layer = layer_of(path, root)
        if layer is None:
            continue
        name = path.relative_to(root)
        for line, module in imported(ast.parse(path.read_text(encoding="utf-8"))):
            crosses = under(module, FORBIDDEN[layer]) and not under(module, ALLOWED.get(layer, ()))
            internal = under(module, PREFECT_INTERNALS) and name != INTERNALS_MODULE
            if crosses or internal or under(module, later_steps(path, root)):
                found.append(f"{name}:{line}: {layer} imports {module}")
    return sorted(set(found))


def size_violations(root: Path) -> list[str]:
    """Modules over MAX_MODULE_LINES lines and functions over MAX_FUNCTION_LINES."""
    found = []
    for path in python_files(root):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(root)
        if (lines := len(source.splitlines())) > MAX_MODULE_LINES:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{node.lineno}: {node.name} has {length} lines")
    return found


def test_the_layers_hold() -> None:
    assert layer_violations(ROOT) == []


def test_no_module_or_function_is_too_long() -> None:
    assert size_violations(ROOT) == []


def write(root: Path, name: str, source: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("flows/dedupe/near.py", "import prefect\n", "step imports prefect"),
        (
            "flows/stories/x.py",
            "from sqlalchemy.orm import Session\n",
            "step imports sqlalchemy.orm.Session",
        ),
        (
            "flows/deliver/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from flows.settings import SmtpSettings\n",
            "step imports flows.settings.SmtpSettings",
        ),
        ("flows/render/x.py", "def f():\n    from db import models\n", "step imports db.models"),
        (
            "flows/text.py",
            "from flows.pipeline import preview\n",
            "shared imports flows.pipeline.preview",
        ),
        (
            "db/late.py",
            "from flows.weeks import week_bounds\n",
            "db imports flows.weeks.week_bounds",
        ),
        ("db/x.py", "from flows import weeks\n", "db imports flows.weeks"),
        ("flows/pipeline/x.py", "from prefect import task\n", "pipeline imports prefect.task"),
        (
            "flows/stories/late.py",
            "from flows.render.digest import digest_to_json\n",
            "step imports flows.render.digest.digest_to_json",
        ),
        ("flows/text.py", "from flows.dedupe import near\n", "shared imports flows.dedupe.near"),
        (
            "flows/orchestration/x.py",
            "from prefect.utilities.annotations import quote\n",
            "orchestration imports prefect.utilities.annotations.quote",
        ),
    ],
)
def test_a_crossing_import_is_reported(
    tmp_path: Path, name: str, source: str, expected: str
) -> None:
    write(tmp_path, "flows/records.py", "")
    write(tmp_path, name, source)
    found = layer_violations(tmp_path)
    assert len(found) == 1 and found[0].startswith(name) and found[0].endswith(expected), found


def test_what_the_contract_allows_is_not_reported(tmp_path: Path) -> None:
    write(tmp_path, "db/x.py", "from flows.records import Story\nimport sqlalchemy\n")
    write(tmp_path, "flows/stories/x.py", "from flows.dedupe.near import collapse\n")
    write(tmp_path, "flows/pipeline/x.py", "from db import models\nfrom flows import settings\n")
    write(tmp_path, "flows/orchestration/x.py", "import prefect\n")
    write(tmp_path, str(INTERNALS_MODULE), "from prefect.context import FlowRunContext\n")
    write(tmp_path, "flows/cli/x.py", "import prefect\nfrom flows.orchestration import x\n")
    assert layer_violations(tmp_path) == []


def test_a_long_module_and_a_long_function_are_reported(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    write(tmp_path, "flows/x.py", f"def long() -> None:\n{body}")
    write(tmp_path, "db/y.py", "x = 1\n" * (MAX_MODULE_LINES + 1))
    assert sorted(size_violations(tmp_path)) == [
        f"db/y.py: {MAX_MODULE_LINES + 1} lines",
        f"flows/x.py:1: long has {MAX_FUNCTION_LINES + 1} lines",
    ]
