"""Versioned configuration: the most specific setting for a region and year wins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import PolicySetting


def setting(session: Session, key: str, region_code: str | None, year: int | None) -> Any:
    """The newest version of `key` for (region, year), else for the region, else the default."""
    rows = session.execute(
        select(PolicySetting.region_code, PolicySetting.fiscal_year, PolicySetting.body)
        .where(
            PolicySetting.key == key,
            or_(PolicySetting.region_code.is_(None), PolicySetting.region_code == region_code),
            or_(PolicySetting.fiscal_year.is_(None), PolicySetting.fiscal_year == year),
        )
        .order_by(PolicySetting.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"no policy setting '{key}' (run `budgetloop db upgrade`)")

    def specificity(row) -> tuple[int, int]:
        return (row.region_code is not None, row.fiscal_year is not None)

    best = max(rows, key=specificity)
    return best.body["value"]
