"""alert report index: project alerts only

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Only "has this report its project alert yet?" is asked of the index (engine/alert_scope.py).
PROJECT = sa.text("kind = 'project'")


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_report")
        batch_op.create_index(
            "ix_alert_report_project",
            ["report_id", "rule_family"],
            unique=False,
            sqlite_where=PROJECT,
            postgresql_where=PROJECT,
        )


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_report_project")
        batch_op.create_index("ix_alert_report", ["report_id", "rule_family", "kind"], unique=False)
