"""The year's fixed dates: when its units' self-evaluations are due, and when its evaluations
close and its results may be applied.

The date is the cycle's, not the evaluation area's: the year's process waits for it (a timer
before result application), and the evaluation area fixes the department ranks at it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from engine import policy
from engine.errors import InvalidInput, NotFound
from engine.models import FiscalYear
from engine.workdays import end_of_day, region_zone

DEFAULT_CLOSE = {"month": 4, "day": 30}
# A month before the close, so that the department's and finance's reviews fit before it.
DEFAULT_SELF_EVALUATION_DUE = {"month": 3, "day": 31}


def evaluation_close_at(session: Session, fiscal_year: FiscalYear) -> datetime:
    """When the year's evaluations close and its results may be applied: the end of the local
    day the `evaluation_close` setting names, in the year after `fiscal_year`."""
    return _day_after_year(session, fiscal_year, "evaluation_close", DEFAULT_CLOSE)


def self_evaluation_due(session: Session, fiscal_year: FiscalYear) -> datetime:
    """When the units' self-evaluations of `fiscal_year` are due: the end of the local day the
    `self_evaluation_due` setting names, in the following year (the inbox shows it, and the
    message centre reminds the unit before it and once it has passed)."""
    return _day_after_year(session, fiscal_year, "self_evaluation_due", DEFAULT_SELF_EVALUATION_DUE)


def _day_after_year(session: Session, fiscal_year: FiscalYear, name: str, default: dict):
    try:
        setting = policy.setting(session, name, fiscal_year.region_code, fiscal_year.year)
    except NotFound:
        setting = default
    try:
        day = date(fiscal_year.year + 1, int(setting["month"]), int(setting["day"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"the {name} setting {setting!r} is not a day of the year such as {default!r}",
            errors={name: "not a date"},
        ) from None
    return end_of_day(day, region_zone(session, fiscal_year))
