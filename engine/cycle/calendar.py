"""The year's fixed dates: when its evaluations close and its results may be applied.

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


def evaluation_close_at(session: Session, fiscal_year: FiscalYear) -> datetime:
    """When the year's evaluations close and its results may be applied: the end of the local
    day the `evaluation_close` setting names, in the year after `fiscal_year`."""
    try:
        setting = policy.setting(
            session, "evaluation_close", fiscal_year.region_code, fiscal_year.year
        )
    except NotFound:
        setting = DEFAULT_CLOSE
    try:
        day = date(fiscal_year.year + 1, int(setting["month"]), int(setting["day"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"the evaluation_close setting {setting!r} is not a day of the year such as "
            f"{DEFAULT_CLOSE!r}",
            errors={"evaluation_close": "not a date"},
        ) from None
    return end_of_day(day, region_zone(session, fiscal_year))
