"""Pages of a list: LIMIT/OFFSET over a sorted statement, with the total for the pager.

`paginate` pages a statement as it is. `paginate_keys` is for the big lists (alerts,
allocations): it counts and skips over a lean statement of keys that carries only the
conditions, so the database walks an index instead of joining every row in scope, and only
the page's rows are then read with everything a reader needs beside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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


def _check_bounds(page: int, per_page: int) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            f"page must be ≥ 1 and per_page between 1 and {MAX_PER_PAGE}",
            errors={"page": "out of range"},
        )


def _count(session: Session, stmt: Select) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def paginate(
    session: Session, stmt: Select, page: int = 1, per_page: int = 50, *, scalars: bool = True
) -> Page:
    """Page `page` (from 1) of `stmt`, which must already be sorted."""
    _check_bounds(page, per_page)
    total = _count(session, stmt)
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    result = session.scalars(window) if scalars else session.execute(window)
    return Page(items=list(result.all()), page=page, per_page=per_page, total=total)


def paginate_keys(
    session: Session,
    keys: Select,
    page: int,
    per_page: int,
    load: Callable[[list], Mapping[Any, Any]],
) -> Page:
    """Page `page` of `keys` (a sorted select of one key column); `load(keys)` maps each of
    the page's keys to its item, and the items keep the order of the keys."""
    _check_bounds(page, per_page)
    total = _count(session, keys)
    window = list(session.scalars(keys.limit(per_page).offset((page - 1) * per_page)))
    loaded = load(window) if window else {}
    # A row deleted between the two reads is left out rather than failing the page.
    items = [loaded[key] for key in window if key in loaded]
    return Page(items=items, page=page, per_page=per_page, total=total)


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
