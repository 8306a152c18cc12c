"""alert report key: one foreign key for an alert's report, round and project

An alert referred to its round, its project and its report by three foreign keys, each checked
on its own for every row written (on PostgreSQL a trigger per row and key: most of the time a
round's alerts took to write). One composite key to the report, its round and its project
checks once and says more: an alert cannot name a round or a project other than its report's.
Every alert is raised from a report, so `report_id` is required.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:00:00
"""

import sqlalchemy as sa
from alembic import op

from engine.errors import Corrupted

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SINGLE = {
    "fk_alert_task_id_monitoring_task": (["task_id"], "monitoring_task", ["id"]),
    "fk_alert_project_id_project": (["project_id"], "project", ["id"]),
    "fk_alert_report_id_monitoring_report": (["report_id"], "monitoring_report", ["id"]),
}
REPORT_KEY = ["id", "task_id", "project_id"]
ALERT_KEY = ["report_id", "task_id", "project_id"]


def _refuse_mismatches() -> None:
    """Stop before changing anything if an alert disagrees with its report."""
    bind = op.get_bind()
    wrong = bind.execute(
        sa.text(
            "SELECT alert.id FROM alert LEFT JOIN monitoring_report AS report "
            "ON report.id = alert.report_id "
            "WHERE report.id IS NULL OR report.task_id != alert.task_id "
            "OR report.project_id != alert.project_id ORDER BY alert.id LIMIT 10"
        )
    ).scalars()
    ids = list(wrong)
    if ids:
        raise Corrupted(
            "revision 0012 needs every alert to name its report, and the report's round and "
            f"project; these alerts do not (first ten ids): {ids}"
        )


def upgrade() -> None:
    _refuse_mismatches()
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_monitoring_report_id_task_id_project_id"), REPORT_KEY
        )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        for name in SINGLE:
            batch_op.drop_constraint(batch_op.f(name), type_="foreignkey")
        batch_op.alter_column("report_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_report_id_monitoring_report"),
            "monitoring_report",
            ALERT_KEY,
            REPORT_KEY,
        )


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_alert_report_id_monitoring_report"), type_="foreignkey"
        )
        batch_op.alter_column("report_id", existing_type=sa.Integer(), nullable=True)
        for name, (columns, table, referred) in SINGLE.items():
            batch_op.create_foreign_key(batch_op.f(name), table, columns, referred)
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_monitoring_report_id_task_id_project_id"), type_="unique"
        )
