"""Reading the department forms' posted rows, and putting the engine's problems next to the
fields they are about.

A form's rows are posted as `<prefix>-<key>-<field>`: the filing form's key tasks and
indicators with a key of the browser's (rows added in the page get a fresh one), the reports'
indicator rows with the indicator's id. Rows are read in the order the form posts them, and a
form schema names a row's problem by that position (`indicators.2.weight`); the service tasks
after the monitoring and evaluation forms name it by the indicator's id (`rows.17.actual`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from engine.forms.registry import FORM_HAS_PROBLEMS as SCHEMA_KEY
from web.errors import error_pairs

# More rows than any form takes (the schemas refuse past 30): the rest are not read at all.
MAX_ROWS = 60


def posted_rows(posted: MultiDict, prefix: str, fields: tuple[str, ...]) -> list[tuple[str, dict]]:
    """(key, {field: text}) for each `<prefix>-<key>-<field>` row, in posted order."""
    pattern = re.compile(rf"{prefix}-([a-z0-9]{{1,16}})-({'|'.join(fields)})")
    rows: dict[str, dict] = {}
    for name, value in posted.items(multi=True):
        match = pattern.fullmatch(name)
        if match is None:
            continue
        key = match[1]
        if key not in rows:
            if len(rows) >= MAX_ROWS:
                continue
            rows[key] = {}
        rows[key].setdefault(match[2], value.strip())
    return list(rows.items())


def number_text(raw: str | None) -> str | None:
    """A typed amount as the form schema reads it (thousands separators dropped), or None."""
    text = (raw or "").strip().replace(",", "").replace("，", "")
    return text or None


@dataclass
class Placed:
    """Problems by where the form shows them: a field of the form, or a field of a row."""

    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[tuple[str, str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def of(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def row(self, rows: str, key, name: str = "") -> list[str]:
        return self.rows.get((rows, str(key), name), [])

    def row_has(self, rows: str, key) -> bool:
        return any(r == rows and k == str(key) for r, k, _ in self.rows)


def place(
    error,
    keys: dict[str, list[str]] | None = None,
    *,
    engine_names_ids: bool = False,
    aliases: dict[str, str] | None = None,
) -> Placed:
    """Each of `error`'s field problems (in the page's language) where the form shows it.

    `keys`: each list's row keys in posted order, to turn a position into the row it names.
    `engine_names_ids`: the service task names rows by indicator id (the reports), so only a
    form schema's problems are by position. `aliases`: the form's name for a field the engine
    calls otherwise (`executed` → `basic_executed`).
    """
    placed = Placed()
    if error is None or not isinstance(getattr(error, "errors", None), dict):
        return placed
    keys = keys or {}
    aliases = aliases or {}
    by_position = getattr(error, "key", None) == SCHEMA_KEY or not engine_names_ids
    for path, text in error_pairs(error.errors):
        parts = path.split(".")
        if len(parts) >= 2 and parts[1].isascii() and parts[1].isdigit():
            rows, key, name = parts[0], parts[1], ".".join(parts[2:])
            order = keys.get(rows)
            if by_position and order is not None:
                if int(key) >= len(order):
                    placed.fields[rows].append(text)
                    continue
                key = order[int(key)]
            placed.rows[(rows, key, aliases.get(name, name))].append(text)
        else:
            placed.fields[aliases.get(path, path)].append(text)
    return placed
