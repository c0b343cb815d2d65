"""pyproject.toml ships every package of the checkout, templates and migrations included."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]


def package_folders() -> set[str]:
    """Every folder under flows/ and db/ that holds Python modules, as a dotted name."""
    found = set()
    for top in ("flows", "db"):
        for module in (ROOT / top).rglob("*.py"):
            found.add(".".join(module.parent.relative_to(ROOT).parts))
    return found


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    listed = set(SETUPTOOLS["packages"])
    assert package_folders() | {"flows.templates"} == listed


def test_the_templates_ship_as_flows_templates_and_the_migrations_with_db() -> None:
    assert SETUPTOOLS["package-dir"] == {"flows.templates": "templates"}
    data = SETUPTOOLS["package-data"]
    shipped = {
        p.name for pattern in data["flows.templates"] for p in (ROOT / "templates").glob(pattern)
    }
    assert {"digest.html.j2", "digest.txt.j2", "digest.css", "archive_index.html.j2"} <= shipped
    for folder, patterns in data.items():
        root = ROOT / SETUPTOOLS["package-dir"].get(folder, folder.replace(".", "/"))
        for pattern in patterns:
            assert list(root.glob(pattern)), f"{folder}: {pattern} matches no file"


def test_the_templates_are_found_through_the_package() -> None:
    from flows.render.digest import TEMPLATES

    assert (TEMPLATES / "digest.html.j2").is_file()
