"""Exported workbooks never contain formulas: text that starts with = + - @ stays text.

A project, unit or indicator named like a formula (`=HYPERLINK(…)`) would otherwise run in the
spreadsheet of whoever opens the download (formula injection).
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.models import Allocation, Organisation, Project, TargetTable
from engine.results.allocation_excel import workbook
from engine.results.allocation_queries import AllocationRow, DepartmentTotal
from engine.synthetic.province import SeedRequest, seed_province
from engine.targets.excel import FIRST_ROW, SHEET, export_table, import_table

FORMULAS = ('=HYPERLINK("http://example.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)")


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text(data: bytes, texts) -> None:
    cells = _cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for text in texts:
        found = [c for c in cells if c.value == text]
        assert found, text
        assert all(c.data_type == "s" for c in found)


@pytest.fixture
def table_id(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=3, seed=5))
        return session.scalars(select(TargetTable.id).order_by(TargetTable.id)).first()


def test_the_target_table_export_writes_formula_like_text_as_text(sessions, table_id):
    with sessions() as session, session.begin():
        table = session.get(TargetTable, table_id)
        table.project.name = FORMULAS[0]
        table.goal = FORMULAS[1]
        first = table.indicators[0]
        first.name, first.scoring_note = FORMULAS[2], FORMULAS[3]
    with sessions() as session:
        data = export_table(session, session.get(TargetTable, table_id))
    _assert_text(data, FORMULAS)
    # The download imports back unchanged, names and goal included.
    with sessions() as session, session.begin():
        import_table(session, session.get(TargetTable, table_id), data)
    with sessions() as session:
        table = session.get(TargetTable, table_id)
        assert (table.goal, table.indicators[0].name) == (FORMULAS[1], FORMULAS[2])
    assert load_workbook(io.BytesIO(data))[SHEET].cell(FIRST_ROW, 3).quotePrefix is True


def test_the_allocation_export_writes_formula_like_text_as_text():
    department = Organisation(name=FORMULAS[0])
    unit = Organisation(name=FORMULAS[1])
    project = Project(
        code="P-1", name=FORMULAS[2], requested_amount=Decimal(100), approved_amount=None
    )
    allocation = Allocation(
        requested=Decimal(100),
        factor=Decimal(1),
        amount=Decimal(100),
        override_reason=FORMULAS[3],
    )
    rows = [AllocationRow(allocation, project, unit, department, 2026, 2027, None, None)]
    totals = [
        DepartmentTotal(1, FORMULAS[0], 1, Decimal(100), Decimal(100), Decimal(100), 0),
    ]
    data = workbook(totals, rows, lambda key: key)
    _assert_text(data, FORMULAS)
    # Money stays numeric: only strings are forced to text.
    projects = load_workbook(io.BytesIO(data)).worksheets[1]
    assert projects["E2"].data_type == "n" and projects["E2"].value == 100


@pytest.mark.parametrize("text", ["\t=1+1", "\r=1+1", "=1+1", "@A1", "普通文字", "-"])
def test_text_that_a_spreadsheet_could_run_is_marked_as_text(text):
    from openpyxl import Workbook

    from engine.xlsx_text import FORMULA_STARTS, put

    book = Workbook()
    put(book.active, 1, 1, text)
    buffer = io.BytesIO()
    book.save(buffer)
    cell = load_workbook(buffer).active.cell(1, 1)
    assert cell.value == text and cell.data_type == "s"
    assert bool(cell.quotePrefix) == text.startswith(FORMULA_STARTS)
