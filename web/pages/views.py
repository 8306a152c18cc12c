"""Small helpers the page views share."""

from __future__ import annotations

from flask import request

from engine.errors import InvalidInput
from web.input_guard import MAX_ID


def plain_digits(raw: str) -> bool:
    """Only 0–9: `str.isdigit` also takes ² and other digits that `int()` refuses (a 500)."""
    return raw.isascii() and raw.isdigit()


def page_number() -> int:
    """The `page` query argument (1 when absent); a clear 422 for anything but 1…1,000,000."""
    raw = request.args.get("page", "1")
    if not plain_digits(raw) or not 1 <= int(raw) <= 1_000_000:
        raise InvalidInput(f"page {raw!r} is not a page number", errors={"page": "invalid"})
    return int(raw)


def int_arg(name: str) -> int | None:
    """An optional positive integer query argument."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not plain_digits(raw) or int(raw) > MAX_ID:
        raise InvalidInput(f"{name} {raw!r} is not a number", errors={name: "invalid"})
    return int(raw)


def year_value(name: str, raw: str) -> int | None:
    """A year typed into the field `name` (2000–2100), None when empty; a clear 422 else."""
    if not raw:
        return None
    if not plain_digits(raw) or not 2000 <= int(raw) <= 2100:
        raise InvalidInput(
            f"{name} {raw!r} is not a year",
            errors={name: "invalid"},
            key="not_a_year",
            params={"name": name, "raw": raw},
        )
    return int(raw)


def year_or_newest(years: list[int]) -> int | None:
    """The `year` the query asks for (checked as `year_value`), else the newest of `years`
    (newest first), None when there is none: a list page opens on the latest year it has."""
    year = year_value("year", request.args.get("year", ""))
    return years[0] if year is None and years else year
