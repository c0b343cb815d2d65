"""Where a database is, read from its URL without connecting (nor importing SQLAlchemy):
whether it is a SQLite file, and whether that file is yet to be made."""

from __future__ import annotations

from pathlib import Path

SQLITE = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database, or one in memory."""
    if not url.startswith(SQLITE) or ":memory:" in url:
        return None
    return Path(url.removeprefix(SQLITE))


def not_made_yet(url: str) -> bool:
    """Whether `url` names a SQLite file that does not exist yet: a new database."""
    path = sqlite_file(url)
    return path is not None and not path.exists()
