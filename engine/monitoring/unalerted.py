"""What every alert rule family works on: a round's reports that have no alerts of it yet."""

from __future__ import annotations

from sqlalchemy import and_, exists, literal

from engine.models import Alert, MonitoringReport
from engine.models.enums import DocumentStatus

REPORTS = MonitoringReport.__table__
ALERTS = Alert.__table__
_SEEN = ALERTS.alias("seen")


def unalerted(task_id: int, family: str):
    """The condition on `REPORTS` for reports of the round without a project alert of `family`.

    Project alerts are written last, so a report stays "unalerted" through the budget and
    indicator inserts of the same computation, and a repeated computation adds nothing.
    A draft report has no figures yet (the monitoring process opens it with nothing executed
    and raises its alerts itself when the unit submits it), so it is never alerted here.
    """
    return and_(
        REPORTS.c.task_id == task_id,
        REPORTS.c.status != DocumentStatus.DRAFT,
        ~exists().where(
            _SEEN.c.report_id == REPORTS.c.id,
            _SEEN.c.rule_family == family,
            # Written into the SQL, not bound, so that PostgreSQL's generic plans can use the
            # index of project alerts (ix_alert_report_project) too.
            _SEEN.c.kind == literal("project", literal_execute=True),
        ),
    )
