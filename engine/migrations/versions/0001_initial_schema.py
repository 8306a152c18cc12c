"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:06:50.848207
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=60), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_event_seq")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "indicator_library_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("functional_class", sa.String(length=3), nullable=False),
        sa.Column("level1", sa.String(length=40), nullable=False),
        sa.Column("level2", sa.String(length=40), nullable=False),
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
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("typical_min", sa.BigInteger(), nullable=True),
        sa.Column("typical_max", sa.BigInteger(), nullable=True),
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
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_library_item")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_library_item_code")),
    )
    with op.batch_alter_table("indicator_library_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_library_item_functional_class"),
            ["functional_class"],
            unique=False,
        )

    op.create_table(
        "region",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    op.create_table(
        "fiscal_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planning",
                "executing",
                "evaluating",
                "closed",
                name="fiscalyearstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("seed", sa.Integer(), nullable=True, comment="generator seed when synthetic"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_fiscal_year_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_year")),
        sa.UniqueConstraint("region_code", "year", name=op.f("uq_fiscal_year_region_code_year")),
    )
    op.create_table(
        "indicator_frame",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("total_points", sa.BigInteger(), nullable=False),
        sa.Column(
            "grade_bands", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_indicator_frame_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_frame")),
        sa.UniqueConstraint(
            "code",
            "region_code",
            "fiscal_year",
            "version",
            name=op.f("uq_indicator_frame_code_region_code_fiscal_year_version"),
        ),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "unit",
                "department",
                "finance",
                "performance",
                "evaluator",
                "oversight",
                name="orgkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("finance_desk_id", sa.Integer(), nullable=True),
        sa.Column("functional_class", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finance_desk_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_finance_desk_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organisation.id"], name=op.f("fk_organisation_parent_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_organisation_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_finance_desk_id"), ["finance_desk_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organisation_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisation_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "unit",
                "department",
                "finance",
                "performance",
                "evaluator",
                "supervisor",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_app_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("login", name=op.f("uq_app_user_login")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "frame_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=True),
        sa.Column("weight_min", sa.BigInteger(), nullable=True),
        sa.Column("weight_max", sa.BigInteger(), nullable=True),
        sa.Column("fixed_item", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["indicator_frame.id"],
            name=op.f("fk_frame_node_frame_id_indicator_frame"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["frame_node.id"], name=op.f("fk_frame_node_parent_id_frame_node")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frame_node")),
        sa.UniqueConstraint("frame_id", "code", name=op.f("uq_frame_node_frame_id_code")),
    )
    op.create_table(
        "monitoring_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("round_code", sa.String(length=20), nullable=False),
        sa.Column("months_elapsed", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_monitoring_task_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["organisation.id"],
            name=op.f("fk_monitoring_task_issued_by_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_task")),
        sa.UniqueConstraint(
            "fiscal_year_id",
            "round_code",
            name=op.f("uq_monitoring_task_fiscal_year_id_round_code"),
        ),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("functional_class", sa.String(length=3), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "project",
                "department_overall",
                "policy",
                "transfer_payment",
                "special_bond",
                name="objectkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "budget_type",
            sa.Enum(
                "general_public",
                "government_funds",
                "state_capital",
                "social_insurance",
                name="budgettype",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("is_continuing", sa.Boolean(), nullable=False),
        sa.Column("is_livelihood_exempt", sa.Boolean(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=True),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("approved_amount", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "filing",
                "executing",
                "evaluating",
                "closed",
                "suspended",
                "cancelled",
                name="projectstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("disbursement_suspended", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_project_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"], ["project.id"], name=op.f("fk_project_predecessor_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["organisation.id"], name=op.f("fk_project_unit_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("code", name=op.f("uq_project_code")),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_predecessor_id"), ["predecessor_id"], unique=False
        )
        batch_op.create_index(
            "ix_project_year_class", ["fiscal_year_id", "functional_class"], unique=False
        )
        batch_op.create_index("ix_project_year_unit", ["fiscal_year_id", "unit_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "targets",
                "grade",
                "decision",
                name="disclosurekind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("disclosed_by_id", sa.Integer(), nullable=True),
        sa.Column("disclosed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["disclosed_by_id"],
            ["app_user.id"],
            name=op.f("fk_disclosure_disclosed_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_disclosure_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_disclosure_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_disclosure_year_kind", ["fiscal_year_id", "kind"], unique=False)

    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "self",
                "department",
                "key",
                "third_party",
                "satisfaction_survey",
                name="evaluationkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("frame_id", sa.Integer(), nullable=False),
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
        sa.Column("total_score", sa.BigInteger(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluator_org_id"],
            ["organisation.id"],
            name=op.f("fk_evaluation_evaluator_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["indicator_frame.id"],
            name=op.f("fk_evaluation_frame_id_indicator_frame"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_evaluation_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_evaluator_org_id"), ["evaluator_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluation_project_id"), ["project_id"], unique=False)

    op.create_table(
        "fund_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "general_public_budget",
                "government_funds",
                "special_bonds",
                "unit_own",
                "carried_over",
                "other",
                name="fundsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_fund_line_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_line")),
    )
    with op.batch_alter_table("fund_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_line_project_id"), ["project_id"], unique=False)

    op.create_table(
        "monitoring_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
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
        sa.Column("executed_to_date", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_monitoring_report_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["monitoring_task.id"],
            name=op.f("fk_monitoring_report_task_id_monitoring_task"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_report")),
        sa.UniqueConstraint(
            "task_id", "project_id", name=op.f("uq_monitoring_report_task_id_project_id")
        ),
    )
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_report_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "policy_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_policy_setting_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_policy_setting_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_setting")),
        sa.UniqueConstraint(
            "key",
            "region_code",
            "fiscal_year",
            "version",
            name=op.f("uq_policy_setting_key_region_code_fiscal_year_version"),
        ),
    )
    op.create_table(
        "rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_rule_set_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_rule_set_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set")),
        sa.UniqueConstraint(
            "region_code",
            "fiscal_year",
            "name",
            "version",
            name=op.f("uq_rule_set_region_code_fiscal_year_name_version"),
        ),
    )
    op.create_table(
        "target_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
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
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("review_level", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["indicator_frame.id"],
            name=op.f("fk_target_table_frame_id_indicator_frame"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_target_table_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_table")),
        sa.UniqueConstraint(
            "project_id", "revision", name=op.f("uq_target_table_project_id_revision")
        ),
    )
    with op.batch_alter_table("target_table", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_table_status"), ["status"], unique=False)

    op.create_table(
        "evaluation_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_finding_evaluation_id_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_finding")),
    )
    with op.batch_alter_table("evaluation_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_finding_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "funding_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "increase",
                "maintain",
                "cut",
                "cancel",
                "suspend",
                "reclaim",
                "review",
                name="decisionkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("factor", sa.BigInteger(), nullable=False),
        sa.Column(
            "facts", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "fired_rules", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "confirmed",
                "overridden",
                name="decisionstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_factor", sa.BigInteger(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["app_user.id"],
            name=op.f("fk_funding_decision_confirmed_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_funding_decision_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_funding_decision_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_id"], ["rule_set.id"], name=op.f("fk_funding_decision_rule_set_id_rule_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_decision")),
    )
    with op.batch_alter_table("funding_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funding_decision_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_funding_decision_year_kind", ["fiscal_year_id", "kind"], unique=False
        )

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_table_id", sa.Integer(), nullable=False),
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
        sa.Column("scoring_note", sa.Text(), nullable=True),
        sa.Column("library_code", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_id"], ["frame_node.id"], name=op.f("fk_indicator_node_id_frame_node")
        ),
        sa.ForeignKeyConstraint(
            ["target_table_id"],
            ["target_table.id"],
            name=op.f("fk_indicator_target_table_id_target_table"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_target_table_id"), ["target_table_id"], unique=False
        )

    op.create_table(
        "accountability_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "commendation",
                "rectification",
                "reminder",
                "interview",
                "circular",
                name="accountabilitykind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "issued",
                "done",
                "withdrawn",
                name="actionstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["funding_decision.id"],
            name=op.f("fk_accountability_action_decision_id_funding_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_accountability_action_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_accountability_action_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_action")),
    )
    with op.batch_alter_table("accountability_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accountability_action_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "budget",
                "indicator",
                "project",
                name="alertkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("rule_family", sa.String(length=20), nullable=False),
        sa.Column(
            "colour",
            sa.Enum(
                "red",
                "yellow",
                "green",
                "blue",
                name="colour",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("ratio", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "resolved",
                name="alertstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "response_course",
            sa.Enum(
                "continue",
                "adjust_targets",
                "reallocate",
                "cancel",
                name="course",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("response_text", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["app_user.id"],
            name=op.f("fk_alert_acknowledged_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_alert_indicator_id_indicator")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_alert_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["monitoring_report.id"],
            name=op.f("fk_alert_report_id_monitoring_report"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["app_user.id"], name=op.f("fk_alert_resolved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["monitoring_task.id"], name=op.f("fk_alert_task_id_monitoring_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_alert_status_raised", ["status", "raised_at"], unique=False)
        batch_op.create_index("ix_alert_task_colour", ["task_id", "kind", "colour"], unique=False)

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("requested", sa.BigInteger(), nullable=False),
        sa.Column("factor", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_allocation_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["funding_decision.id"],
            name=op.f("fk_allocation_decision_id_funding_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_allocation_fiscal_year_id_fiscal_year"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_allocation_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
        sa.UniqueConstraint(
            "project_id", "fiscal_year_id", name=op.f("uq_allocation_project_id_fiscal_year_id")
        ),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allocation_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )

    op.create_table(
        "evaluation_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("weight", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=True),
        sa.Column("actual", sa.BigInteger(), nullable=True),
        sa.Column(
            "band",
            sa.Enum(
                "achieved",
                "partly",
                "not_achieved",
                name="qualitativeband",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("band_pct", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.BigInteger(), nullable=False),
        sa.Column("manual_deduction", sa.BigInteger(), nullable=False),
        sa.Column("overrun", sa.Boolean(), nullable=False),
        sa.Column(
            "deviation_reason",
            sa.Enum(
                "staff",
                "rules",
                "funding",
                "other",
                name="deviationreason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("deviation_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_score_evaluation_id_evaluation"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_evaluation_score_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["frame_node.id"], name=op.f("fk_evaluation_score_node_id_frame_node")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_score")),
    )
    with op.batch_alter_table("evaluation_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_score_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "monitoring_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("actual_to_date", sa.BigInteger(), nullable=True),
        sa.Column(
            "qualitative_band",
            sa.Enum(
                "achieved",
                "partly",
                "not_achieved",
                name="qualitativeband",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "likelihood",
            sa.Enum(
                "certain",
                "possible",
                "impossible",
                name="likelihood",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "deviation_reason",
            sa.Enum(
                "staff",
                "rules",
                "funding",
                "other",
                name="deviationreason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("deviation_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_monitoring_row_indicator_id_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["monitoring_report.id"],
            name=op.f("fk_monitoring_row_report_id_monitoring_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_row")),
        sa.UniqueConstraint(
            "report_id", "indicator_id", name=op.f("uq_monitoring_row_report_id_indicator_id")
        ),
    )
    with op.batch_alter_table("monitoring_row", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_row_indicator_id"), ["indicator_id"], unique=False
        )

    op.create_table(
        "rectification_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "red_alert",
                "grade",
                "finding",
                name="rectificationsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("evaluation_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback_due", sa.Date(), nullable=False),
        sa.Column("plan_due", sa.Date(), nullable=False),
        sa.Column("close_due", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "feedback_submitted",
                "returned",
                "accepted",
                "closed",
                name="rectificationstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("budget_opinion", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_rectification_order_alert_id_alert")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_rectification_order_evaluation_id_evaluation"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["evaluation_finding.id"],
            name=op.f("fk_rectification_order_finding_id_evaluation_finding"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["organisation.id"],
            name=op.f("fk_rectification_order_issued_by_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_rectification_order_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["app_user.id"],
            name=op.f("fk_rectification_order_reviewed_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_order")),
    )
    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_order_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index("ix_rectification_status_due", ["status", "close_due"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.drop_index("ix_rectification_status_due")
        batch_op.drop_index(batch_op.f("ix_rectification_order_project_id"))

    op.drop_table("rectification_order")
    with op.batch_alter_table("monitoring_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_row_indicator_id"))

    op.drop_table("monitoring_row")
    with op.batch_alter_table("evaluation_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_score_evaluation_id"))

    op.drop_table("evaluation_score")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_fiscal_year_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_task_colour")
        batch_op.drop_index("ix_alert_status_raised")
        batch_op.drop_index(batch_op.f("ix_alert_project_id"))

    op.drop_table("alert")
    with op.batch_alter_table("accountability_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_action_project_id"))

    op.drop_table("accountability_action")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_target_table_id"))

    op.drop_table("indicator")
    with op.batch_alter_table("funding_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_decision_year_kind")
        batch_op.drop_index(batch_op.f("ix_funding_decision_project_id"))

    op.drop_table("funding_decision")
    with op.batch_alter_table("evaluation_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_finding_evaluation_id"))

    op.drop_table("evaluation_finding")
    with op.batch_alter_table("target_table", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_table_status"))

    op.drop_table("target_table")
    op.drop_table("rule_set")
    op.drop_table("policy_setting")
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_report_project_id"))

    op.drop_table("monitoring_report")
    with op.batch_alter_table("fund_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_line_project_id"))

    op.drop_table("fund_line")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_project_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_evaluator_org_id"))

    op.drop_table("evaluation")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_year_kind")
        batch_op.drop_index(batch_op.f("ix_disclosure_project_id"))

    op.drop_table("disclosure")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_year_unit")
        batch_op.drop_index("ix_project_year_class")
        batch_op.drop_index(batch_op.f("ix_project_predecessor_id"))

    op.drop_table("project")
    op.drop_table("monitoring_task")
    op.drop_table("frame_node")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_organisation_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_parent_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_kind"))
        batch_op.drop_index(batch_op.f("ix_organisation_finance_desk_id"))

    op.drop_table("organisation")
    op.drop_table("indicator_frame")
    op.drop_table("fiscal_year")
    op.drop_table("region")
    with op.batch_alter_table("indicator_library_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_library_item_functional_class"))

    op.drop_table("indicator_library_item")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
