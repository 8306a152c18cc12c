"""The editor's rows as posted: read back into indicator drafts, and problems put next to them.

Each row's inputs are named `rows-<key>-<field>`; existing rows have keys 0, 1, …, rows added
in the browser get a fresh random key. Rows are kept in the order the form posts them.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from werkzeug.datastructures import MultiDict

from engine.models import IndicatorLibraryItem
from engine.models.enums import Basis, Operator
from engine.targets.editing import row_name
from engine.targets.validation import IndicatorDraft, Problem
from web.i18n import catalogue, translate

FIELDS = ("node", "name", "operator", "target", "unit", "weight", "basis", "note", "library_code")
NAME = re.compile(r"rows-([a-z0-9]{1,16})-(" + "|".join(FIELDS) + r")")
MAX_ROWS = 100


@dataclass
class Row:
    """One indicator row as the browser shows it (all text)."""

    key: str
    node: str = ""
    name: str = ""
    operator: str = Operator.GE.value
    target: str = ""
    unit: str = ""
    weight: str = ""
    basis: str = Basis.PLAN.value
    note: str = ""
    library_code: str = ""


def new_key() -> str:
    return "n" + secrets.token_hex(5)


def rows_of_table(drafts: list[IndicatorDraft]) -> list[Row]:
    return [
        Row(
            key=str(index),
            node=draft.node_code,
            name=draft.name,
            operator=draft.operator.value,
            target=(
                draft.target_text or ""
                if draft.operator is Operator.QUALITATIVE
                else plain_number(draft.target_value)
            ),
            unit=draft.unit_of_measure or "",
            weight=plain_number(draft.weight),
            basis=draft.basis.value,
            note=draft.scoring_note or "",
            library_code=draft.library_code or "",
        )
        for index, draft in enumerate(drafts)
    ]


def row_from_library(item: IndicatorLibraryItem) -> Row:
    # A sensible starting target: the demanding end of the usual range for the operator.
    typical = item.typical_max if item.operator in (Operator.GE, Operator.GT) else item.typical_min
    return Row(
        key=new_key(),
        node=item.level2,
        name=item.name,
        operator=item.operator.value,
        target="" if item.operator is Operator.QUALITATIVE else plain_number(typical),
        unit=item.unit_of_measure,
        basis=item.basis.value,
        note=item.note or "",
        library_code=item.code,
    )


def posted_rows(form: MultiDict) -> list[Row]:
    """The rows in the order their fields were posted."""
    rows: dict[str, Row] = {}
    for name, value in form.items(multi=True):
        match = NAME.fullmatch(name)
        if not match:
            continue
        key, field = match.groups()
        if key not in rows:
            if len(rows) >= MAX_ROWS:
                continue
            rows[key] = Row(key=key)
        setattr(rows[key], field, value.strip() if field != "note" else value)
    return list(rows.values())


def drafts_of_rows(rows: list[Row]) -> tuple[list[IndicatorDraft], list[Problem]]:
    """Drafts for the checks, and the problems of values that are not even numbers."""
    drafts, problems = [], []
    for index, row in enumerate(rows):
        where = row_name(index)
        operator = _enum(Operator, row.operator, Operator.GE)
        basis = _enum(Basis, row.basis, Basis.PLAN)
        value = text = None
        if operator is Operator.QUALITATIVE:
            text = row.target
        elif row.target:
            value = _decimal(row.target)
            if value is None:
                problems.append(_not_number(where, "target", row.target))
        weight = _decimal(row.weight) if row.weight else None
        if not row.weight:
            problems.append(Problem(where, "weight", "a weight is required", "weight_missing"))
        elif weight is None:
            problems.append(_not_number(where, "weight", row.weight))
        drafts.append(
            IndicatorDraft(
                node_code=row.node,
                name=row.name,
                operator=operator,
                target_value=value,
                target_text=text,
                unit_of_measure=row.unit,
                # Unreadable weights count as 0 so the other checks still run.
                weight=weight if weight is not None else Decimal(0),
                basis=basis,
                scoring_note=row.note.strip() or None,
                library_code=row.library_code or None,
                where=where,
            )
        )
    return drafts, problems


def merge(parse_problems: list[Problem], checked: list[Problem]) -> list[Problem]:
    """All problems, without repeating a field the parse already complained about."""
    seen = {(p.where, p.field) for p in parse_problems}
    return parse_problems + [p for p in checked if (p.where, p.field) not in seen]


@dataclass(frozen=True)
class Placed:
    """Problems sorted by where they are shown: per row key and field, and table-wide."""

    by_row: dict
    table: list

    def of(self, key: str, field: str) -> list[str]:
        return self.by_row.get(key, {}).get(field, [])

    def row_has(self, key: str) -> bool:
        return key in self.by_row


FIELD_OF = {"level": "node", "indicators": "table"}


def place(problems: list[Problem], rows: list[Row]) -> Placed:
    keys = {row_name(index): row.key for index, row in enumerate(rows)}
    by_row: dict = defaultdict(lambda: defaultdict(list))
    table = []
    for problem in problems:
        text = say(problem)
        key = keys.get(problem.where)
        if key is None:
            table.append(text)
        else:
            by_row[key][FIELD_OF.get(problem.field, problem.field)].append(text)
    return Placed({k: dict(v) for k, v in by_row.items()}, table)


def say(problem: Problem) -> str:
    """The problem in the user's language (the engine's English reason if it has no code)."""
    key = f"targets.problem.{problem.code}"
    if problem.code and key in catalogue():
        try:
            return translate(key, **{k: str(v) for k, v in problem.params.items()})
        except (KeyError, IndexError):
            pass
    return problem.reason


def where_text(problem: Problem) -> str:
    """Where a spreadsheet problem is, in the user's language."""
    params = problem.params
    if {"sheet", "row", "column"} <= params.keys():
        return translate(
            "targets.excel.where",
            sheet=params["sheet"],
            row=params["row"],
            column=params["column"],
            heading=problem.field,
        )
    return problem.where


def plain_number(value: Decimal | None) -> str:
    """1.5 for Decimal('1.5000'), 100 for Decimal('100.00'); empty for None."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _enum(enum, value: str, default):
    try:
        return enum(value)
    except ValueError:
        return default


def _not_number(where: str, field: str, value: str) -> Problem:
    return Problem(where, field, f"'{value}' is not a number", "not_number", {"value": value})
