"""story documents found by document: which stories already hold a week's documents

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without it, asking which sent stories hold a week's documents probes every story of
    # those weeks once per document.
    op.create_index("ix_story_documents_document_id", "story_documents", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_story_documents_document_id", table_name="story_documents")
