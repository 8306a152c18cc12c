"""evaluation close: department ranks fixed once per year; the idle funds a decision reclaims

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_close",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column(
            "ranks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fiscal_year.id"],
            name=op.f("fk_evaluation_close_fiscal_year_id_fiscal_year"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_close")),
        sa.UniqueConstraint("fiscal_year_id", name=op.f("uq_evaluation_close_fiscal_year_id")),
    )
    with op.batch_alter_table("funding_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reclaim_amount", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("funding_decision", schema=None) as batch_op:
        batch_op.drop_column("reclaim_amount")
    op.drop_table("evaluation_close")
