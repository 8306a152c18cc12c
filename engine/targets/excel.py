"""Target tables as the spreadsheet finance staff fill in (绩效目标申报表), both ways.

An import either replaces the table's indicators completely or changes nothing, and names the
sheet, row, column and reason of every error it finds. It reads the layouts in use, not only our
own download: see sheet_layout (where things are), excel_rows (one row) and cell_values (what a
cell says, percentages included). Exported text is never a formula (engine.xlsx_text).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import xlsx_limits
from engine.errors import Conflict, InvalidInput
from engine.models import FrameNode, Indicator, Organisation, Project, TargetTable
from engine.models.enums import DocumentStatus, Operator
from engine.targets import shared_weights, sheet_layout
from engine.targets.excel_rows import BASIS_TEXT, RowReader, is_blank
from engine.targets.validation import IndicatorDraft, Problem, check
from engine.xlsx_text import put

SHEET = "绩效目标申报表"
HEADER_ROW, FIRST_ROW = 7, 8
COLUMNS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "度量单位",
    "分值",
    "指标值确定依据",
    "评分说明",
    "指标库编码",
)
OPERATOR_TEXT = {
    Operator.GE: "≥",
    Operator.GT: "＞",
    Operator.EQ: "＝",
    Operator.LE: "≤",
    Operator.LT: "＜",
    Operator.QUALITATIVE: "定性",
}
# The table checks' field names (validation, editing) → the sheet's fields (sheet_layout).
CHECKED_FIELDS = {
    "level": "level2",
    "name": "name",
    "target": "target",
    "unit": "unit",
    "weight": "weight",
    "library_code": "library_code",
}
EDITABLE = (DocumentStatus.DRAFT, DocumentStatus.RETURNED)
MAX_BYTES = 5 * 1024 * 1024


def export_table(session: Session, table: TargetTable) -> bytes:
    """The table as an .xlsx workbook in the usual layout."""
    project = session.get(Project, table.project_id)
    unit = session.get(Organisation, project.unit_id)
    department = session.get(Organisation, unit.parent_id) if unit.parent_id else None
    nodes = {
        n.id: n
        for n in session.scalars(select(FrameNode).where(FrameNode.frame_id == table.frame_id))
    }
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet["A1"] = "项目支出绩效目标申报表"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:J1")
    header = [
        ("项目名称", project.name, "项目编码", project.code),
        ("主管部门", department.name if department else "", "实施单位", unit.name),
        ("年度", project.fiscal_year.year, "申报金额（元）", float(project.requested_amount)),
    ]
    for row, (k1, v1, k2, v2) in enumerate(header, start=2):
        put(sheet, row, 1, k1).font = Font(bold=True)
        put(sheet, row, 2, v1)
        put(sheet, row, 5, k2).font = Font(bold=True)
        put(sheet, row, 6, v2)
    put(sheet, 5, 1, "年度总体目标").font = Font(bold=True)
    put(sheet, 5, 2, table.goal).alignment = Alignment(wrap_text=True)
    sheet.merge_cells("B5:J5")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for column, title in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, column, title)
        cell.font, cell.fill = Font(bold=True), fill
        sheet.column_dimensions[get_column_letter(column)].width = 30 if column == 3 else 14
    for row, indicator in enumerate(table.indicators, start=FIRST_ROW):
        node = nodes[indicator.node_id]
        values = (
            nodes[node.parent_id].name_zh,
            node.name_zh,
            indicator.name,
            OPERATOR_TEXT[indicator.operator],
            indicator.target_text
            if indicator.operator is Operator.QUALITATIVE
            else float(indicator.target_value),
            indicator.unit_of_measure,
            float(indicator.weight),
            BASIS_TEXT[indicator.basis],
            indicator.scoring_note,
            indicator.library_code,
        )
        for column, value in enumerate(values, start=1):
            put(sheet, row, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Reading:
    """What an uploaded workbook holds, and every problem found reading it."""

    sheet: str
    goal: str | None
    drafts: list[IndicatorDraft]
    problems: list[Problem]
    shared_weights: bool  # no 分值 in the sheet: each level-1 item's weight was shared evenly
    layout: sheet_layout.Layout

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Problems the table's checks found in a row, placed at their cell (sheet, row, column)."""
        rows = {draft.where: int(draft.where.rsplit(" ", 1)[1]) for draft in self.drafts}
        return [self._at_cell(p, rows[p.where]) if p.where in rows else p for p in problems]

    def _at_cell(self, problem: Problem, row: int) -> Problem:
        field = CHECKED_FIELDS.get(problem.field)
        column = self.layout.columns.get(field) if field else None
        if column is None and field == "unit":
            column = self.layout.columns["target"]  # where a unit is written without its column
        if column is None:
            return problem
        letter = get_column_letter(column)
        return Problem(
            self.layout.where(row, column),
            self.layout.headings[column],
            problem.reason,
            problem.code,
            {**problem.params, "sheet": self.sheet, "row": row, "column": letter},
        )


@dataclass(frozen=True)
class Loaded:
    """The sheet's layout and rows, read from the bytes alone (no database needed).

    Upload handlers load a workbook before their write transaction begins, so that parsing
    never holds a database lock (see web.targets.api.load_upload).
    """

    layout: sheet_layout.Layout
    rows: list[sheet_layout.SheetRow]


def load(data: bytes) -> Loaded:
    """The 绩效目标申报表's layout and non-blank rows; InvalidInput for anything else.

    The package is checked against engine.xlsx_limits before openpyxl reads a byte of it.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1024**2} MB")
    xlsx_limits.check(data)
    try:
        # Not read-only: merged 一级/二级指标 cells are only known to a fully loaded sheet.
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        raise InvalidInput(
            "the file is not an Excel workbook (.xlsx)", errors={"file": "not xlsx"}
        ) from None
    try:
        sheet = sheet_layout.find_sheet(book)
        layout = sheet_layout.find_layout(sheet)
        rows = [
            row
            for row in sheet_layout.rows_under(sheet, layout)
            if not all(
                is_blank(value)
                for field, value in row.values.items()
                if field not in row.merged_from
            )
        ]
    finally:
        book.close()
    return Loaded(layout, rows)


def read_workbook(data: bytes | Loaded, nodes: list[FrameNode]) -> Reading:
    """Read the 绩效目标申报表 in any of the layouts finance staff use (see sheet_layout)."""
    loaded = data if isinstance(data, Loaded) else load(data)
    layout, rows = loaded.layout, loaded.rows
    problems: list[Problem] = []
    reader = RowReader(layout, nodes, problems)
    weighted = "weight" in layout.columns and any(
        not is_blank(row.values.get("weight")) for row in rows
    )
    drafts = [draft for row in rows if (draft := reader.draft(row, weighted))]
    if not weighted and not problems:
        drafts = _shared(layout, drafts, nodes, problems)
    if not layout.goal:
        row, column = layout.goal_cell
        problems.append(
            Problem(
                f"sheet {layout.sheet}, row {row}, column {get_column_letter(column)}",
                "年度总体目标",
                "the overall goal is required",
                "excel_goal",
                {"sheet": layout.sheet, "row": row, "column": get_column_letter(column)},
            )
        )
    return Reading(layout.sheet, layout.goal, drafts, problems, not weighted, layout)


def _shared(layout, drafts, nodes, problems) -> list[IndicatorDraft]:
    """Weights shared from the frame, or a problem saying why they cannot be."""
    missing = shared_weights.unweighted_items(drafts, nodes)
    if not missing:
        return shared_weights.share(drafts, nodes)
    column = layout.columns.get("weight") or max(layout.columns.values()) + 1
    names = "、".join(node.name_zh for node in missing)
    problems.append(
        Problem(
            f"sheet {layout.sheet}, row {layout.heading_row}, column {get_column_letter(column)}",
            "分值",
            f"the sheet gives no weights and the frame sets none for {names}; add a 分值 column",
            "excel_no_weights",
            {
                "sheet": layout.sheet,
                "row": layout.heading_row,
                "column": get_column_letter(column),
                "items": names,
            },
        )
    )
    return drafts


def import_table(session: Session, table: TargetTable, data: bytes) -> int:
    """Replace a draft table's goal and indicators from a workbook; all or nothing."""
    if table.status not in EDITABLE:
        raise Conflict(
            f"target table {table.id} is {table.status.value}; only a draft or a "
            "returned table can be replaced"
        )
    nodes = list(session.scalars(select(FrameNode).where(FrameNode.frame_id == table.frame_id)))
    reading = read_workbook(data, nodes)
    goal, drafts, problems = reading.goal, reading.drafts, reading.problems
    if not problems:
        problems = reading.locate(check(drafts, nodes, table.frame.total_points))
    if problems:
        raise InvalidInput(
            f"nothing was imported: {len(problems)} problem(s): "
            + "; ".join(str(p) for p in problems[:5])
            + ("; …" if len(problems) > 5 else ""),
            errors={"problems": [p.__dict__ for p in problems]},
        )
    by_code = {n.code: n.id for n in nodes}
    session.execute(delete(Indicator).where(Indicator.target_table_id == table.id))
    for position, draft in enumerate(drafts, start=1):
        session.add(
            Indicator(
                target_table_id=table.id,
                node_id=by_code[draft.node_code],
                position=position,
                name=draft.name,
                operator=draft.operator,
                target_value=draft.target_value,
                target_text=draft.target_text,
                unit_of_measure=draft.unit_of_measure,
                weight=draft.weight,
                basis=draft.basis,
                scoring_note=draft.scoring_note,
                library_code=draft.library_code,
            )
        )
    table.goal = goal
    session.flush()
    session.expire(table, ["indicators"])
    return len(drafts)
