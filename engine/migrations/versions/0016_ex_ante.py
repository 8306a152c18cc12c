"""ex-ante assessments (事前绩效评估) of new projects; a project's major-policy flag

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:40:00

The ex-ante frame is reference data: `budgetloop db upgrade` installs it after the schema.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_major_policy", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "ex_ante_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("assessor", sa.String(length=12), nullable=False),
        sa.Column("assessor_org_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "in_review",
                "returned",
                "approved",
                "final",
                name="documentstatus",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column(
            "proposal", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column(
            "scores", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("total_score", sa.BigInteger(), nullable=True),
        sa.Column("conclusion", sa.String(length=8), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("recommended_amount", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_org_id"],
            ["organisation.id"],
            name=op.f("fk_ex_ante_assessment_assessor_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["indicator_frame.id"],
            name=op.f("fk_ex_ante_assessment_frame_id_indicator_frame"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_ex_ante_assessment_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ex_ante_assessment")),
        sa.UniqueConstraint("project_id", name=op.f("uq_ex_ante_assessment_project_id")),
    )
    op.create_index(
        op.f("ix_ex_ante_assessment_assessor_org_id"),
        "ex_ante_assessment",
        ["assessor_org_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ex_ante_assessment_assessor_org_id"), table_name="ex_ante_assessment")
    op.drop_table("ex_ante_assessment")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("is_major_policy")
