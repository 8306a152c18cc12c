"""The business key of a department's overall performance (部门整体绩效) for a year:
`department:<department code>:<year>`, made and read here only (the process, the message
centre, the demo and the pages all tell a department's tasks by it)."""

from __future__ import annotations

PREFIX = "department:"


def department_key(code: str, year: int) -> str:
    return f"{PREFIX}{code}:{year}"


def parse_department_key(key: str | None) -> tuple[str, int] | None:
    """(department code, year) of a department key; None for any other key."""
    parts = (key or "").split(":")
    if len(parts) != 3 or f"{parts[0]}:" != PREFIX or not parts[1]:
        return None
    year = parts[2]
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return None
    return parts[1], int(year)
