"""Target tables: validation against the frame, and the Excel round trip."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.errors import Conflict, InvalidInput
from engine.models import FrameNode, TargetTable
from engine.models.enums import DocumentStatus, Operator
from engine.synthetic.province import SeedRequest, seed_province
from engine.targets.excel import FIRST_ROW, SHEET, export_table, import_table
from engine.targets.validation import IndicatorDraft, check
from tests.support.snapshot import snapshot


@pytest.fixture
def table_id(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=5, seed=9))
        return session.scalars(select(TargetTable.id).order_by(TargetTable.id)).first()


def _drafts(session, table):
    nodes = {n.id: n for n in session.scalars(select(FrameNode))}
    return [
        IndicatorDraft(
            nodes[i.node_id].code,
            i.name,
            i.operator,
            i.target_value,
            i.target_text,
            i.unit_of_measure,
            i.weight,
            i.basis,
            i.scoring_note,
            i.library_code,
            where=f"indicator {i.position}",
        )
        for i in table.indicators
    ], [n for n in nodes.values() if n.frame_id == table.frame_id]


def test_seeded_tables_are_valid(sessions, table_id):
    with sessions() as session:
        for table in session.scalars(select(TargetTable)):
            drafts, nodes = _drafts(session, table)
            assert check(drafts, nodes, table.frame.total_points) == []


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d[:2], "indicators", "3–15 indicators"),
        (lambda d: d + d[:1] * 14, "indicators", "3–15 indicators"),
        (
            lambda d: [d[0].__class__(**{**d[0].__dict__, "weight": d[0].weight + 1})] + d[1:],
            "weight",
            "add up to",
        ),
        (
            lambda d: [d[0].__class__(**{**d[0].__dict__, "node_code": "moonshot"})] + d[1:],
            "level",
            "not a level-2 item",
        ),
        (
            lambda d: (
                [
                    d[0].__class__(
                        **{**d[0].__dict__, "operator": Operator.QUALITATIVE, "target_text": None}
                    )
                ]
                + d[1:]
            ),
            "target",
            "in words",
        ),
        (
            lambda d: (
                [
                    d[0].__class__(
                        **{
                            **d[0].__dict__,
                            "operator": Operator.GE,
                            "target_value": None,
                            "target_text": "good",
                        }
                    )
                ]
                + d[1:]
            ),
            "target",
            "numeric target",
        ),
        (
            lambda d: [d[0].__class__(**{**d[0].__dict__, "unit_of_measure": " "})] + d[1:],
            "unit",
            "unit of measure",
        ),
        (lambda d: d + [d[0]], "name", "appears twice"),
    ],
)
def test_each_rule_names_the_field(sessions, table_id, change, field, reason):
    with sessions() as session:
        table = session.get(TargetTable, table_id)
        drafts, nodes = _drafts(session, table)
        if drafts[0].operator is Operator.QUALITATIVE:
            drafts = drafts[1:] + drafts[:1]
        problems = check(change(drafts), nodes, table.frame.total_points)
    assert any(p.field == field and reason in p.reason for p in problems), problems


def test_excel_round_trip_is_lossless(sessions, table_id):
    with sessions() as session:
        table = session.get(TargetTable, table_id)
        before = [
            (
                i.node_id,
                i.name,
                i.operator,
                i.target_value,
                i.target_text,
                i.unit_of_measure,
                i.weight,
                i.basis,
                i.scoring_note,
                i.library_code,
            )
            for i in table.indicators
        ]
        goal = table.goal
        data = export_table(session, table)
    with sessions() as session, session.begin():
        table = session.get(TargetTable, table_id)
        assert import_table(session, table, data) == len(before)
    with sessions() as session:
        table = session.get(TargetTable, table_id)
        after = [
            (
                i.node_id,
                i.name,
                i.operator,
                i.target_value,
                i.target_text,
                i.unit_of_measure,
                i.weight,
                i.basis,
                i.scoring_note,
                i.library_code,
            )
            for i in table.indicators
        ]
        assert after == before and table.goal == goal


def test_a_sheet_with_errors_imports_nothing_and_reports_every_error(sessions, engine, table_id):
    with sessions() as session:
        data = export_table(session, session.get(TargetTable, table_id))
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    sheet.cell(FIRST_ROW, 4, "大约")  # operator
    sheet.cell(FIRST_ROW + 1, 7, "十分")  # weight
    sheet.cell(FIRST_ROW + 2, 2, "神秘指标")  # level 2
    buffer = io.BytesIO()
    book.save(buffer)
    before = snapshot(engine)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as caught:
        import_table(session, session.get(TargetTable, table_id), buffer.getvalue())
    assert snapshot(engine) == before
    problems = caught.value.errors["problems"]
    wheres = [p["where"] for p in problems]
    assert f"sheet {SHEET}, row {FIRST_ROW}, column D (指标性质)" in wheres
    assert f"sheet {SHEET}, row {FIRST_ROW + 1}, column G (分值)" in wheres
    assert f"sheet {SHEET}, row {FIRST_ROW + 2}, column B (二级指标)" in wheres
    assert "nothing was imported" in caught.value.message


def test_weights_that_do_not_add_up_import_nothing(sessions, engine, table_id):
    with sessions() as session:
        data = export_table(session, session.get(TargetTable, table_id))
    book = load_workbook(io.BytesIO(data))
    book[SHEET].cell(FIRST_ROW, 7, 99)
    buffer = io.BytesIO()
    book.save(buffer)
    before = snapshot(engine)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput, match="add up"):
        import_table(session, session.get(TargetTable, table_id), buffer.getvalue())
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"not a workbook", "not an Excel workbook"), (b"", "not an Excel workbook")],
)
def test_garbage_is_refused(sessions, table_id, payload, message):
    with sessions() as session, session.begin(), pytest.raises(InvalidInput, match=message):
        import_table(session, session.get(TargetTable, table_id), payload)


def test_a_submitted_table_cannot_be_replaced(sessions, table_id):
    with sessions() as session, session.begin():
        table = session.get(TargetTable, table_id)
        data = export_table(session, table)
        table.status = DocumentStatus.SUBMITTED
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="submitted"):
        import_table(session, session.get(TargetTable, table_id), data)


def test_values_keep_their_decimals(sessions, table_id):
    with sessions() as session:
        data = export_table(session, session.get(TargetTable, table_id))
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    row = next(r for r in range(FIRST_ROW, FIRST_ROW + 15) if sheet.cell(r, 4).value != "定性")
    sheet.cell(row, 5, 29.9999)
    buffer = io.BytesIO()
    book.save(buffer)
    with sessions() as session, session.begin():
        table = session.get(TargetTable, table_id)
        import_table(session, table, buffer.getvalue())
        values = [i.target_value for i in table.indicators]
    assert Decimal("29.9999") in values
