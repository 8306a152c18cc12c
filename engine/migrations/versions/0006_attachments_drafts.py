"""attachments and drafts: evidence files on documents (佐证材料), saved task forms (暂存)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_draft",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["human_task.id"], name=op.f("fk_task_draft_task_id_human_task")
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_draft")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=30), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_attachment_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["human_task.id"], name=op.f("fk_attachment_task_id_human_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint(
            "document_type",
            "document_id",
            "sha256",
            name=op.f("uq_attachment_document_type_document_id_sha256"),
        ),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attachment_document", ["document_type", "document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachment_project_id"), ["project_id"], unique=False)
    op.create_table(
        "attachment_blob",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_attachment_blob_attachment_id_attachment"),
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_blob")),
    )


def downgrade() -> None:
    op.drop_table("attachment_blob")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_project_id"))
        batch_op.drop_index("ix_attachment_document")
    op.drop_table("attachment")
    op.drop_table("task_draft")
