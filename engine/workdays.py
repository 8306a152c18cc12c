"""Working-day deadlines in Beijing time (weekends skipped; public holidays not modelled yet)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))


def deadline_after_working_days(moment: datetime, days: int) -> datetime:
    """The end (23:59:59 Beijing time) of the `days`-th working day after `moment`."""
    day = moment.astimezone(BEIJING).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return datetime.combine(day, time(23, 59, 59), BEIJING)
