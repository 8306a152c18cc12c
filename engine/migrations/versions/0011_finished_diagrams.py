"""finished diagrams: a finished subprocess leaves the instance's saved state

An instance's state kept every finished subprocess all year (a project's grew to 150 KiB and
every command read and wrote all of it). A finished subprocess is now pruned from the state;
what the pages still show of it is kept beside: the review outcome, comment and document of a
completed human task (`human_task.result`), and the diagram the instance view draws
(`finished_diagram`). Existing states keep their subprocesses until their next command; rows
completed before this revision have no result and are read from the state as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", JSON, nullable=True))
    op.create_table(
        "finished_diagram",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("call_task_id", sa.String(length=36), nullable=False),
        sa.Column("parent_task_id", sa.String(length=36), nullable=True),
        sa.Column("process", sa.String(length=100), nullable=False),
        sa.Column("called_as", sa.String(length=100), nullable=False),
        sa.Column("call_activity", sa.String(length=100), nullable=True),
        sa.Column("completed", JSON, nullable=False),
        sa.Column("flows", JSON, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_finished_diagram_instance_id_process_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finished_diagram")),
    )
    op.create_index(
        op.f("ix_finished_diagram_instance_id"), "finished_diagram", ["instance_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_finished_diagram_instance_id"), table_name="finished_diagram")
    op.drop_table("finished_diagram")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("result")
