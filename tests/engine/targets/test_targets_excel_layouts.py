"""The target-table import reads the spreadsheets finance staff actually keep.

Every workbook here is written by the test with openpyxl, in the layout of the Ministry of
Finance template, of a provincial 一体化 export, or of our own download edited in Excel.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.models import FrameNode, TargetTable
from engine.models.enums import Basis, Operator
from engine.synthetic.province import SeedRequest, seed_province
from engine.targets.excel import FIRST_ROW, SHEET, export_table, import_table
from tests.support.snapshot import snapshot
from tests.support.target_workbooks import GOAL, ministry_template, provincial_export

GE, EQ, WORDS = Operator.GE, Operator.EQ, Operator.QUALITATIVE
D, PLAN = Decimal, Basis.PLAN


@pytest.fixture
def table_id(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=3, seed=5))
        return session.scalars(select(TargetTable.id).order_by(TargetTable.id)).first()


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(sessions, table_id: int, data: bytes) -> list[tuple]:
    """Import `data` and return the stored rows as (level-2, name, operator, value, text, unit,
    weight, basis)."""
    with sessions() as session, session.begin():
        import_table(session, session.get(TargetTable, table_id), data)
    with sessions() as session:
        table = session.get(TargetTable, table_id)
        codes = {n.id: n.code for n in session.scalars(select(FrameNode))}
        return [
            (
                codes[i.node_id],
                i.name,
                i.operator,
                i.target_value,
                i.target_text,
                i.unit_of_measure,
                i.weight,
                i.basis,
            )
            for i in table.indicators
        ], table.goal


def _refused(sessions, engine, table_id: int, data: bytes) -> list[dict]:
    before = snapshot(engine)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as caught:
        import_table(session, session.get(TargetTable, table_id), data)
    assert snapshot(engine) == before
    assert "nothing was imported" in caught.value.message
    return caught.value.errors["problems"]


def test_the_ministry_template_imports_with_weights_shared_evenly(sessions, table_id):
    rows, goal = _import(sessions, table_id, _bytes(ministry_template()))
    assert goal == GOAL
    assert rows == [
        ("quantity", "培训人次", GE, D(1200), None, "人次", D("16.67"), PLAN),
        ("quantity", "覆盖县（市、区）数", EQ, D(12), None, "个", D("16.67"), PLAN),
        ("quality", "培训合格率", GE, D("97.2"), None, "%", D("16.66"), PLAN),
        ("social", "基层治理能力", WORDS, None, "明显提升", "", D(30), PLAN),
        ("beneficiary", "参训人员满意度", GE, D(90), None, "%", D(10), PLAN),
    ]
    # Shared in exact cents: the output item's three indicators weigh exactly its 50.
    assert sum(row[6] for row in rows[:3]) == Decimal(50)


def test_a_provincial_export_imports_under_its_own_headings(sessions, table_id):
    rows, goal = _import(sessions, table_id, _bytes(provincial_export()))
    assert goal == GOAL
    assert rows == [
        ("quantity", "培训人次", GE, D(1200), None, "人次", D(20), PLAN),
        ("quantity", "覆盖县（市、区）数", EQ, D(12), None, "个", D(15), PLAN),
        ("quality", "培训合格率", GE, D("97.2"), None, "%", D(15), Basis.INDUSTRY_STANDARD),
        ("social", "基层治理能力", WORDS, None, "明显提升", "", D(30), PLAN),
        ("beneficiary", "参训人员满意度", GE, D(90), None, "%", D(10), PLAN),
    ]


def _own_download(sessions, table_id: int):
    """Our own download, opened for editing; and the first numeric row's number."""
    with sessions() as session:
        data = export_table(session, session.get(TargetTable, table_id))
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    row = next(r for r in range(FIRST_ROW, FIRST_ROW + 15) if sheet.cell(r, 4).value != "定性")
    return book, sheet, row


@pytest.mark.parametrize("number_format", ["0.0%", "0%", "0.00%", "#,##0.0%"])
def test_a_percentage_typed_in_excel_is_read_as_the_percentage_shown(
    sessions, table_id, number_format
):
    """Typing 97.2% stores 0.972 with a percent format: the target is 97.2, not 0.972."""
    book, sheet, row = _own_download(sessions, table_id)
    sheet.cell(row, 5, 0.972).number_format = number_format
    sheet.cell(row, 6, "%")
    rows, _ = _import(sessions, table_id, _bytes(book))
    assert (rows[row - FIRST_ROW][3], rows[row - FIRST_ROW][5]) == (Decimal("97.2"), "%")


def test_a_percentage_as_text_or_with_its_operator_in_the_cell(sessions, table_id):
    book, sheet, row = _own_download(sessions, table_id)
    sheet.cell(row, 4).value = None  # the operator comes from the value cell
    sheet.cell(row, 5, "≥ 97.2 %")
    sheet.cell(row, 6).value = None  # and so does the unit
    rows, _ = _import(sessions, table_id, _bytes(book))
    assert rows[row - FIRST_ROW][2:6] == (Operator.GE, Decimal("97.2"), None, "%")


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [(1.5, "0%", "150"), (-0.02, "0.0%", "-2"), ("120%", "General", "120")],
)
def test_a_percentage_outside_0_to_100_names_sheet_row_and_column(
    sessions, engine, table_id, value, number_format, shown
):
    book, sheet, row = _own_download(sessions, table_id)
    sheet.cell(row, 5, value).number_format = number_format
    sheet.cell(row, 6, "%")
    problems = _refused(sessions, engine, table_id, _bytes(book))
    assert [
        (p["code"], p["where"], p["params"]["row"], p["params"]["column"], p["params"]["value"])
        for p in problems
    ] == [
        (
            "excel_percent_range",
            f"sheet {SHEET}, row {row}, column E (指标值)",
            row,
            "E",
            shown,
        )
    ]


@pytest.mark.parametrize(
    ("cells", "code", "column"),
    [
        ({4: "≤", 5: "≥90"}, "excel_operator_conflict", "E"),
        ({4: None, 5: 90}, "excel_operator_missing", "D"),
        ({5: 0.9, 6: "个"}, "excel_unit_conflict", "F"),
        ({5: "九十"}, "excel_not_number", "E"),
    ],
)
def test_a_value_cell_that_contradicts_its_row_is_refused(
    sessions, engine, table_id, cells, code, column
):
    book, sheet, row = _own_download(sessions, table_id)
    if code != "excel_not_number":
        sheet.cell(row, 4, "≥")
    for at, value in cells.items():
        sheet.cell(row, at).value = value
    sheet.cell(row, 5).number_format = "0%" if code == "excel_unit_conflict" else "General"
    problems = _refused(sessions, engine, table_id, _bytes(book))
    assert [(p["code"], p["params"]["row"], p["params"]["column"]) for p in problems] == [
        (code, row, column)
    ]


def test_the_heading_row_is_found_wherever_it_is_and_any_sheet_name(sessions, table_id):
    """Two rows inserted above the headings, and the sheet renamed as an export names it."""
    book, sheet, _ = _own_download(sessions, table_id)
    with sessions() as session:
        expected = [i.name for i in session.get(TargetTable, table_id).indicators]
    sheet.insert_rows(1, amount=2)
    sheet.title = "Sheet1"
    rows, _ = _import(sessions, table_id, _bytes(book))
    assert [row[1] for row in rows] == expected


def test_a_workbook_without_headings_says_what_it_looks_for(sessions, table_id):
    book = Workbook()
    book.active.title = SHEET
    book.active.append(["名称", "数值"])
    with sessions() as session, pytest.raises(InvalidInput, match="二级指标 三级指标 指标值"):
        import_table(session, session.get(TargetTable, table_id), _bytes(book))
    book.active.title = "其他"
    with sessions() as session, pytest.raises(InvalidInput, match="项目支出绩效目标申报表"):
        import_table(session, session.get(TargetTable, table_id), _bytes(book))


def test_a_value_merged_over_several_indicators_is_refused(sessions, engine, table_id):
    book = provincial_export()
    sheet = book["绩效目标申报表"]
    sheet.merge_cells("H4:H5")  # one weight for two indicators: whose is it?
    problems = _refused(sessions, engine, table_id, _bytes(book))
    assert [(p["code"], p["params"]["row"], p["params"]["column"]) for p in problems] == [
        ("excel_merged", 5, "H")
    ]


def test_no_weights_where_the_frame_sets_none_is_refused(sessions, engine, table_id):
    with sessions() as session, session.begin():
        table = session.get(TargetTable, table_id)
        effect = session.scalars(
            select(FrameNode).where(
                FrameNode.frame_id == table.frame_id, FrameNode.code == "effect"
            )
        ).one()
        effect.weight = None
    problems = _refused(sessions, engine, table_id, _bytes(ministry_template()))
    assert [(p["code"], p["params"]["row"], p["params"]["items"]) for p in problems] == [
        ("excel_no_weights", 8, "效益指标")
    ]


def test_a_missing_goal_is_named_where_it_belongs(sessions, engine, table_id):
    book = provincial_export()
    book["绩效目标申报表"]["B2"] = None
    problems = _refused(sessions, engine, table_id, _bytes(book))
    assert [(p["code"], p["where"]) for p in problems] == [
        ("excel_goal", "sheet 绩效目标申报表, row 2, column B")
    ]


def test_the_table_checks_name_the_cell_of_their_row(sessions, engine, table_id):
    """A row that reads fine but breaks a rule of the table (no unit, weight 0) is named by
    sheet, row and column like a cell that cannot be read."""
    book, sheet, row = _own_download(sessions, table_id)
    sheet.cell(row, 6).value = None  # 度量单位
    sheet.cell(row + 1, 7).value = 0  # 分值
    problems = _refused(sessions, engine, table_id, _bytes(book))
    placed = {(p["code"], p["where"], p["params"].get("column")) for p in problems}
    assert ("unit_missing", f"sheet {SHEET}, row {row}, column F (度量单位)", "F") in placed
    assert ("weight_positive", f"sheet {SHEET}, row {row + 1}, column G (分值)", "G") in placed
