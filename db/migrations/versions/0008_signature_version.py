"""the format version of each stored MinHash signature (flows.dedupe.near.SIGNATURE_VERSION)

Signatures stored before are of the first format. `digest migrate --rebuild-signatures`
recomputes those of an older format, and their band keys, after the format changes.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("minhash_version", sa.SmallInteger(), nullable=True))
    op.execute("UPDATE documents SET minhash_version = 1 WHERE minhash IS NOT NULL")


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later): a batch copy of the table would drop the
    # old one, and with it, by the cascade, every sighting.
    op.drop_column("documents", "minhash_version")
