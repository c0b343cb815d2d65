"""The migrations and the models agree, on SQLite and PostgreSQL, up and down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.engine import engine_for
from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.models import Base


def test_autogenerate_finds_nothing_to_add(database_url: str) -> None:
    upgrade(database_url, head_revision() or "head")  # by the migrations, step by step
    with engine_for(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_revision_goes_down_and_up_again(database_url: str) -> None:
    upgrade(database_url)
    head = head_revision()
    for target in ("0008", "0007", "0004", "0001", "base"):
        downgrade(database_url, target)
        assert current_revision(database_url) == (None if target == "base" else target)
    upgrade(database_url)
    assert current_revision(database_url) == head


def test_a_new_database_is_made_as_the_migrations_make_it(database_url: str) -> None:
    """A database with none of the tables is made from the models at once; the migrations,
    down to nothing and up again, make the very same schema."""
    upgrade(database_url)
    made = schema(database_url)
    assert current_revision(database_url) == head_revision()
    downgrade(database_url, "base")
    assert set(schema(database_url)) == {"alembic_version"}
    upgrade(database_url, head_revision() or "head")
    assert schema(database_url) == made


def schema(url: str) -> dict[str, object]:
    """Every table's columns, keys, indexes and constraints, as the database reports them."""
    with engine_for(url).connect() as connection:
        seen = inspect(connection)
        return {
            table: (
                # in any order: a migration adds a column at the end, the models may not
                sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                       for c in seen.get_columns(table)),
                seen.get_pk_constraint(table),
                sorted(map(repr, seen.get_foreign_keys(table))),
                sorted(map(repr, seen.get_indexes(table))),
                sorted(map(repr, seen.get_unique_constraints(table))),
            )
            for table in seen.get_table_names()
        }  # fmt: skip
