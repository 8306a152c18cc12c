"""Pages of a list: LIMIT/OFFSET over a sorted statement, with the total for the pager."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def paginate(
    session: Session, stmt: Select, page: int = 1, per_page: int = 50, *, scalars: bool = True
) -> Page:
    """Page `page` (from 1) of `stmt`, which must already be sorted."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            f"page must be ≥ 1 and per_page between 1 and {MAX_PER_PAGE}",
            errors={"page": "out of range"},
        )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    result = session.scalars(window) if scalars else session.execute(window)
    return Page(items=list(result.all()), page=page, per_page=per_page, total=total or 0)


def sort_by(stmt: Select, sort: str | None, columns: Mapping[str, Any], tie_breaker) -> Select:
    """Order by `sort` ("field" or "-field" for descending), one of `columns` (all indexed)."""
    if not sort:
        sort = next(iter(columns))
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in columns:
        raise InvalidInput(
            f"cannot sort by {name!r}; choose one of: {', '.join(columns)}",
            errors={"sort": "unknown field"},
        )
    column = columns[name]
    order = column.desc() if descending else column.asc()
    tie = tie_breaker.desc() if descending else tie_breaker.asc()
    return stmt.order_by(order, tie)
