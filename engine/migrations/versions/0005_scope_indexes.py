"""scope indexes: a project's alerts with their colour; projects by unit first

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:30:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# The alert lists count a scope's alerts of a colour (engine/queries/alerts.py): with the colour
# beside the project the count reads the index alone. It replaces the project-only index, so a
# monitoring round still maintains as many index entries per alert as before.
#
# A scope ("the projects of these units") is answered by an index led by the unit: with the year
# first, PostgreSQL (which has no skip scan) read the whole project table for it.
def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_project_id")
        batch_op.create_index("ix_alert_project_colour", ["project_id", "colour"], unique=False)
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_year_unit")
        batch_op.create_index(
            "ix_project_unit_year",
            ["unit_id", "fiscal_year_id"],
            unique=False,
            postgresql_include=["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_unit_year")
        batch_op.create_index("ix_project_year_unit", ["fiscal_year_id", "unit_id"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_project_colour")
        batch_op.create_index("ix_alert_project_id", ["project_id"], unique=False)
