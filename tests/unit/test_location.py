"""A database's location read from its URL, without SQLAlchemy: a command asks it before it
loads anything heavy (a new database's first ingest starts its pool early)."""

from __future__ import annotations

import sys
from pathlib import Path

from db.location import not_made_yet, sqlite_file


def test_a_sqlite_file_is_new_until_it_exists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert sqlite_file(url) == tmp_path / "d.db"
    assert not_made_yet(url)
    (tmp_path / "d.db").touch()
    assert not not_made_yet(url)


def test_other_databases_are_never_new() -> None:
    for url in ("sqlite:///:memory:", "postgresql+psycopg://localhost/test"):
        assert sqlite_file(url) is None and not not_made_yet(url)


def test_it_loads_no_sqlalchemy() -> None:
    import subprocess

    code = "import sys, db.location; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
