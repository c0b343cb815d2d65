"""Alembic, driven from code: `upgrade` runs on every start so the schema is always current."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.exc import DBAPIError

from db.engine import engine_for

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Alembic is imported only when a migration runs: every command checks the schema, and
# importing Alembic (and Mako) cost more than the check itself.
_ASSIGNED = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*(None|[\"'][^\"']+[\"'])", re.M)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (no-op when it is there already). A
    database with none of the tables yet is made at the head as the models describe it:
    the migrations would build the same schema step by step (the tests check both agree),
    rebuilding tables on SQLite, where a first run waited for them."""
    head = head_from_files() if revision == "head" else None
    if head and (stored := stored_revision(url)) == head:
        return
    if head and stored is None and _made_at(url, head):
        return
    if current_revision(url) == head_revision():
        return
    from alembic import command

    with engine_for(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _made_at(url: str, head: str) -> bool:
    """Make the schema of the models in a database holding none of its tables, recorded at
    `head` as Alembic records it; False (nothing done) when some table is there."""
    from db.models import Base

    version = Table("alembic_version", MetaData(), Column("version_num", String(32)),
                    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))  # fmt: skip
    with engine_for(url).begin() as connection:
        present = set(inspect(connection).get_table_names())
        if present & {*Base.metadata.tables, version.name}:
            return False
        Base.metadata.create_all(connection)
        version.create(connection)
        connection.execute(version.insert().values(version_num=head))
    return True


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    with engine_for(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def stored_revision(url: str) -> str | None:
    """The one revision the database records, without Alembic; None when it records
    none (a new database) or several."""
    try:
        with engine_for(url).connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table yet
        return None
    return rows[0][0] if len(rows) == 1 else None


@functools.cache
def head_from_files() -> str | None:
    """The head revision read from the migration files' `revision`/`down_revision` lines,
    without Alembic; None (ask Alembic) unless the files make one plain line of revisions."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _ASSIGNED.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else parents).add(value.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
