"""near-duplicate band keys in a table clustered on its key (SQLite: WITHOUT ROWID)

A band row is only ever found by its key: kept in the primary key's own B-tree, an insert
writes two trees (the key and the document index) instead of three, a look-up reads one.
PostgreSQL has no such option and is left as it is.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)


def _recreate(*, with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "neardup_bands", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass
