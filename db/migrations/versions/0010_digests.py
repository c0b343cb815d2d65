"""several digests: digests and stories carry the digest's name; one per (name, week)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEFAULT = "weekly"  # flows.records.DEFAULT_DIGEST: rows stored before belong to it


def upgrade() -> None:
    # The ledger (deliveries) keeps its key (digest_id, recipient): a digests row is now one
    # week of one named digest, so the key is per digest, week and reader.
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("name", sa.String(100), nullable=False, server_default=DEFAULT))
        batch.drop_constraint("uq_digests_week", type_="unique")
        batch.create_unique_constraint("uq_digests_name", ["name", "week"])
    with op.batch_alter_table("stories") as batch:
        batch.add_column(
            sa.Column("digest", sa.String(100), nullable=False, server_default=DEFAULT)
        )
        batch.drop_constraint("uq_stories_week", type_="unique")
        batch.create_unique_constraint("uq_stories_digest", ["digest", "week", "key"])


def downgrade() -> None:
    # One digest a week again: the named digests other than the default one go.
    op.execute(sa.text("DELETE FROM stories WHERE digest <> :name").bindparams(name=DEFAULT))
    op.execute(sa.text("DELETE FROM digests WHERE name <> :name").bindparams(name=DEFAULT))
    with op.batch_alter_table("stories") as batch:
        batch.drop_constraint("uq_stories_digest", type_="unique")
        batch.create_unique_constraint("uq_stories_week", ["week", "key"])
        batch.drop_column("digest")
    with op.batch_alter_table("digests") as batch:
        batch.drop_constraint("uq_digests_name", type_="unique")
        batch.create_unique_constraint("uq_digests_week", ["week"])
        batch.drop_column("name")
