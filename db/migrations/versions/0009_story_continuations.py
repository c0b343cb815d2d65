"""stories that continue a story of an earlier week: the link, and where the thread began

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("continues_week", sa.String(10), nullable=True))
        batch.add_column(sa.Column("continues_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("continues_headline", sa.Text(), nullable=True))
        batch.add_column(sa.Column("first_week", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("first_week")
        batch.drop_column("continues_headline")
        batch.drop_column("continues_key")
        batch.drop_column("continues_week")
