"""The named facts rules are written against, their fields, and how Facts become them."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from rules.model import Facts


class FieldType(StrEnum):
    """Type of a fact field, which decides the literals and operators a condition may use."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    GRADE = "grade"
    COLOUR = "colour"


GRADES = ("A", "B", "C", "D")
COLOURS = ("red", "yellow", "green", "blue")
ENUMS: dict[FieldType, tuple[str, ...]] = {FieldType.GRADE: GRADES, FieldType.COLOUR: COLOURS}
ORDERED = (FieldType.INTEGER, FieldType.DECIMAL)

FACTS: dict[str, dict[str, FieldType]] = {
    "outcome": {
        "project": FieldType.STRING,
        "year": FieldType.INTEGER,
        "grade": FieldType.GRADE,
        "continuing": FieldType.BOOLEAN,
        "livelihood_exempt": FieldType.BOOLEAN,
        "execution_rate": FieldType.DECIMAL,
        "department_rank": FieldType.INTEGER,
    },
    "previous": {
        "project": FieldType.STRING,
        "year": FieldType.INTEGER,
        "grade": FieldType.GRADE,
    },
    "department": {
        "project": FieldType.STRING,
        "year": FieldType.INTEGER,
        "grade": FieldType.GRADE,
    },
    "rectification": {"project": FieldType.STRING, "overdue": FieldType.BOOLEAN},
    "alert": {
        "project": FieldType.STRING,
        "colour": FieldType.COLOUR,
        "answered": FieldType.BOOLEAN,
    },
}


def records(facts: Facts) -> dict[str, dict[str, object]]:
    """Split Facts into named facts; a field whose value is unknown (None) is left out."""
    project = facts.project_code
    outcome: dict[str, object] = {
        "project": project,
        "year": facts.year,
        "continuing": facts.is_continuing,
        "livelihood_exempt": facts.is_livelihood_exempt,
    }
    if facts.grade is not None:
        outcome["grade"] = facts.grade
    if facts.execution_rate is not None:
        outcome["execution_rate"] = facts.execution_rate
    if facts.department_rank is not None:
        outcome["department_rank"] = facts.department_rank
    named: dict[str, dict[str, object]] = {
        "outcome": outcome,
        "rectification": {"project": project, "overdue": facts.rectification_overdue},
    }
    if facts.previous_grade is not None:
        named["previous"] = {
            "project": project,
            "year": facts.year - 1,
            "grade": facts.previous_grade,
        }
    if facts.department_grade is not None:
        named["department"] = {
            "project": project,
            "year": facts.year,
            "grade": facts.department_grade,
        }
    # The facts model knows only whether a red alert went unanswered, so that is the one alert.
    if facts.red_alert_unanswered:
        named["alert"] = {"project": project, "colour": "red", "answered": False}
    return named


def is_decimal(value: object) -> bool:
    """Tell whether a parsed JSON value is a number usable as a Decimal (not a bool)."""
    return isinstance(value, Decimal | int) and not isinstance(value, bool)
