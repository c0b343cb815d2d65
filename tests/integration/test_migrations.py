"""The migrations and the models agree, on SQLite and PostgreSQL, up and down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.engine import engine_for
from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.models import Base


def test_autogenerate_finds_nothing_to_add(database_url: str) -> None:
    upgrade(database_url)
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
