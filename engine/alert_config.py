"""Which alert rule family a monitoring round uses, and that family's settings.

The region's `alerts` policy setting names the family ("family"); the monitoring process (one
report at a time) and `budgetloop alerts compute` (a whole round) both ask here, so the two
can never use different rules.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import policy
from engine.errors import InvalidInput
from engine.models import FiscalYear, MonitoringTask

FAMILY_NAMES = ("pace", "calendar")


def alert_settings(session: Session, task: MonitoringTask) -> dict:
    """The `alerts` setting in force for the round's region and year."""
    year = session.get(FiscalYear, task.fiscal_year_id)
    return policy.setting(session, "alerts", year.region_code, year.year)


def family_of(settings: dict, requested: str | None = None) -> str:
    """The family asked for, else the configured one (pace when none is configured)."""
    name = requested or settings.get("family", "pace")
    if name not in FAMILY_NAMES or name not in settings:
        raise InvalidInput(
            f"unknown alert rule family {name!r}: the alerts setting offers "
            f"{', '.join(n for n in FAMILY_NAMES if n in settings)}",
            errors={"family": "unknown"},
        )
    return name
