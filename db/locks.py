"""One run at a time per week: a PostgreSQL advisory lock, or a lock file beside SQLite."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from db.engine import engine_for
from db.file_lock import file_lock


@contextmanager
def week_lock(url: str, week: str) -> Iterator[None]:
    """Block until no other run (process or machine) is building or sending `week`."""
    engine = engine_for(url)
    if engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"digest {week}".encode()).digest()[:8], "big",
                             signed=True)  # fmt: skip
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
        return
    database = engine.url.database
    folder = Path(database).parent if database and database != ":memory:" else Path(".")
    with file_lock(str(folder / f".digest-{week}.lock")).held():
        yield
