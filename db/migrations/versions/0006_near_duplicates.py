"""near-duplicates: MinHash signatures, LSH band keys, the document a copy copies; sections

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sections", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_documents_duplicate_of_documents",
            "documents",
            ["duplicate_of"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "neardup_bands",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_neardup_bands_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "document_id", name="pk_neardup_bands"),
    )
    op.create_index("ix_neardup_bands_document_id", "neardup_bands", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_neardup_bands_document_id", table_name="neardup_bands")
    op.drop_table("neardup_bands")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("fk_documents_duplicate_of_documents", type_="foreignkey")
        batch.drop_column("sections")
        batch.drop_column("duplicate_of")
        batch.drop_column("minhash")
