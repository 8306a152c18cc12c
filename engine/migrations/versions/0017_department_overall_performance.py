"""department overall performance (部门整体绩效): plans, their indicators, monitoring, evaluations

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:35:44

The department frame is reference data: `budgetloop db upgrade` installs it after the schema.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
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
            ),
            nullable=False,
        ),
        sa.Column("duties", sa.Text(), nullable=True),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column(
            "key_tasks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("basic_budget", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_department_plan_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["indicator_frame.id"],
            name=op.f("fk_department_plan_frame_id_indicator_frame"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_department_plan_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_plan")),
        sa.UniqueConstraint(
            "org_id", "fiscal_year_id", name=op.f("uq_department_plan_org_id_fiscal_year_id")
        ),
    )
    with op.batch_alter_table("department_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_plan_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_department_plan_org_id"), ["org_id"], unique=False)

    op.create_table(
        "department_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("evaluator_org_id", sa.Integer(), nullable=True),
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
            ),
            nullable=False,
        ),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("executed", sa.BigInteger(), nullable=True),
        sa.Column("project_executed", sa.BigInteger(), nullable=False),
        sa.Column(
            "scores", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("total_score", sa.BigInteger(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluator_org_id"],
            ["organisation.id"],
            name=op.f("fk_department_evaluation_evaluator_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["department_plan.id"],
            name=op.f("fk_department_evaluation_plan_id_department_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_evaluation")),
        sa.UniqueConstraint("plan_id", "kind", name=op.f("uq_department_evaluation_plan_id_kind")),
    )
    with op.batch_alter_table("department_evaluation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_evaluation_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "department_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "operator",
            sa.Enum(
                ">=",
                ">",
                "=",
                "<=",
                "<",
                "qualitative",
                name="operator",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("target_value", sa.BigInteger(), nullable=True),
        sa.Column("target_text", sa.Text(), nullable=True),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "plan",
                "industry_standard",
                "history",
                "other",
                name="basis",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["frame_node.id"], name=op.f("fk_department_indicator_node_id_frame_node")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["department_plan.id"],
            name=op.f("fk_department_indicator_plan_id_department_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_indicator")),
    )
    with op.batch_alter_table("department_indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_indicator_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "department_monitoring",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("months_elapsed", sa.Integer(), nullable=False),
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
            ),
            nullable=False,
        ),
        sa.Column("project_budget", sa.BigInteger(), nullable=False),
        sa.Column("project_executed", sa.BigInteger(), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.Column("basic_budget", sa.BigInteger(), nullable=False),
        sa.Column("basic_executed", sa.BigInteger(), nullable=True),
        sa.Column("execution_rate", sa.BigInteger(), nullable=True),
        sa.Column("colour", sa.String(length=8), nullable=True),
        sa.Column("rows", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["department_plan.id"],
            name=op.f("fk_department_monitoring_plan_id_department_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_monitoring")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_department_monitoring_plan_id")),
    )


def downgrade() -> None:
    op.drop_table("department_monitoring")
    with op.batch_alter_table("department_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_indicator_plan_id"))

    op.drop_table("department_indicator")
    with op.batch_alter_table("department_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_evaluation_plan_id"))

    op.drop_table("department_evaluation")
    with op.batch_alter_table("department_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_plan_org_id"))
        batch_op.drop_index(batch_op.f("ix_department_plan_fiscal_year_id"))

    op.drop_table("department_plan")
