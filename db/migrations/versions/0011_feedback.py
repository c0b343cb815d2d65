"""what readers said by the links in their email: muted sources and "less like this"

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey(
                "subscribers.id",
                ondelete="CASCADE",
                name="fk_reader_feedback_subscriber_id_subscribers",
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reader_feedback"),
        sa.UniqueConstraint(
            "subscriber_id", "kind", "target", name="uq_reader_feedback_subscriber_id"
        ),
    )
    op.create_index(
        "ix_reader_feedback_subscriber_id", "reader_feedback", ["subscriber_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reader_feedback_subscriber_id", table_name="reader_feedback")
    op.drop_table("reader_feedback")
