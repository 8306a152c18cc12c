"""unwritten columns: drop those nothing ever wrote

`rectification_order.budget_opinion` (no form asks for it), `evaluation_score.manual_deduction`
(a score is computed; no one enters a deduction), `disclosure.disclosed_by_id` (a disclosure is
made by a service task; the audit log names the command's actor) and `api_token.last_used_at`
(keeping it would make every API request, reads included, a write). Nothing ever set them, so
no data is lost: a manual deduction was 0 on every row, the others NULL. The review comment and
its reviewer are kept: the order's closure now records them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table (a column under a foreign key cannot be dropped in
    # place); no other table points at these four, so the rebuild is safe with rows in them.
    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.drop_column("budget_opinion")
    with op.batch_alter_table("evaluation_score", schema=None) as batch_op:
        batch_op.drop_column("manual_deduction")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_constraint("fk_disclosure_disclosed_by_id_app_user", type_="foreignkey")
        batch_op.drop_column("disclosed_by_id")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disclosed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_disclosure_disclosed_by_id_app_user", "app_user", ["disclosed_by_id"], ["id"]
        )
    with op.batch_alter_table("evaluation_score", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "manual_deduction", sa.BigInteger(), server_default=sa.text("0"), nullable=False
            )
        )
    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("budget_opinion", sa.Text(), nullable=True))
