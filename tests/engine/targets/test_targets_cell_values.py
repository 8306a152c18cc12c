"""What a 指标值 cell says: operators and units written inside it, and percent formats."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from engine.models.enums import Operator
from engine.targets.cell_values import is_percent_format, read_cell

GE, LE, GT, LT, EQ = Operator.GE, Operator.LE, Operator.GT, Operator.LT, Operator.EQ


@pytest.mark.parametrize(
    ("value", "number_format", "number", "operator", "unit"),
    [
        (0.972, "0.0%", "97.2", None, "%"),
        (0.972, "0%", "97.2", None, "%"),
        (1, "0%", "100", None, "%"),
        (0.1234, "0.00%", "12.34", None, "%"),
        (97.2, "General", "97.2", None, None),
        (0.972, '0.0"%"', "0.972", None, None),  # a quoted % is printed, not a ×100 format
        ("97.2%", "General", "97.2", None, "%"),
        ("≥97.2%", "General", "97.2", GE, "%"),
        ("≥ 97.2 ％", "General", "97.2", GE, "%"),
        (">=95%", "General", "95", GE, "%"),
        ("＞＝95", "General", "95", GE, None),
        ("≤30天", "General", "30", LE, "天"),
        ("<=30天", "General", "30", LE, "天"),
        ("＜5", "General", "5", LT, None),
        (">5", "General", "5", GT, None),
        ("＝12个", "General", "12", EQ, "个"),
        ("=12", "General", "12", EQ, None),
        ("不低于90%", "General", "90", GE, "%"),
        ("不高于 200 万元", "General", "200", LE, "万元"),
        ("不少于1,200人次", "General", "1200", GE, "人次"),
    ],
)
def test_numbers_operators_and_units(value, number_format, number, operator, unit):
    cell = read_cell(value, number_format)
    assert (cell.number, cell.operator, cell.unit, cell.problem) == (
        Decimal(number),
        operator,
        unit,
        None,
    )
    assert "E" not in str(cell.number)  # never 1E+2


@pytest.mark.parametrize("value", ["明显提升", "2026年12月底前完成", "≥良好"])
def test_words_stay_words(value):
    cell = read_cell(value)
    assert (cell.number, cell.text) == (None, value)


@pytest.mark.parametrize("value", [True, datetime(2026, 1, 2)])
def test_dates_and_booleans_are_not_numbers(value):
    assert read_cell(value).problem[0] == "excel_not_number"


@pytest.mark.parametrize(
    ("number_format", "percent"),
    [("0%", True), ("0.0%;[Red]-0.0%", True), ('0"%"', False), ("0\\%", False), ("General", False)],
)
def test_percent_formats(number_format, percent):
    assert is_percent_format(number_format) is percent
