"""Target tables as the spreadsheet finance staff fill in (绩效目标申报表), both ways.

An import either replaces the table's indicators completely or changes nothing, and names the
sheet, row, column and reason of every error it finds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, InvalidInput
from engine.models import FrameNode, Indicator, Organisation, Project, TargetTable
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.targets.validation import IndicatorDraft, Problem, check

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
OPERATOR_READ = {
    **{text: op for op, text in OPERATOR_TEXT.items()},
    **{op.value: op for op in Operator},
    ">": Operator.GT,
    "<": Operator.LT,
    "=": Operator.EQ,
    "≧": Operator.GE,
    "≦": Operator.LE,
}
BASIS_TEXT = {
    Basis.PLAN: "计划标准",
    Basis.INDUSTRY_STANDARD: "行业标准",
    Basis.HISTORY: "历史标准",
    Basis.OTHER: "其他",
}
BASIS_READ = {
    **{text: basis for basis, text in BASIS_TEXT.items()},
    **{basis.value: basis for basis in Basis},
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
        sheet.cell(row, 1, k1).font = Font(bold=True)
        sheet.cell(row, 2, v1)
        sheet.cell(row, 5, k2).font = Font(bold=True)
        sheet.cell(row, 6, v2)
    sheet.cell(5, 1, "年度总体目标").font = Font(bold=True)
    sheet.cell(5, 2, table.goal).alignment = Alignment(wrap_text=True)
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
            sheet.cell(row, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class _Reader:
    nodes: list[FrameNode]
    problems: list[Problem]

    def where(self, row: int, column: int) -> str:
        return (
            f"sheet {SHEET}, row {row}, column {get_column_letter(column)} ({COLUMNS[column - 1]})"
        )

    def fail(self, row: int, column: int, reason: str, code: str = "", **params) -> None:
        params |= {"sheet": SHEET, "row": row, "column": get_column_letter(column)}
        self.problems.append(
            Problem(self.where(row, column), COLUMNS[column - 1], reason, code, params)
        )

    def node_code(self, row: int, level1, level2) -> str | None:
        parents = {n.id: n for n in self.nodes if n.level == 1}
        for node in self.nodes:
            if node.level == 2 and str(level2).strip() in (node.name_zh, node.code):
                parent = parents[node.parent_id]
                if str(level1).strip() not in (parent.name_zh, parent.code):
                    self.fail(
                        row,
                        1,
                        f"'{level2}' belongs under '{parent.name_zh}', not '{level1}'",
                        "excel_parent",
                        level2=str(level2),
                        parent=parent.name_zh,
                        level1=str(level1),
                    )
                return node.code
        self.fail(
            row,
            2,
            f"'{level2}' is not a level-2 item of the frame",
            "excel_level",
            value=str(level2),
        )
        return None

    def decimal(self, row: int, column: int, value) -> Decimal | None:
        if value is None or str(value).strip() == "":
            self.fail(row, column, "a number is required", "excel_number_required")
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            self.fail(
                row, column, f"'{value}' is not a number", "excel_not_number", value=str(value)
            )
            return None
        if not number.is_finite() or number.as_tuple().exponent < -4:
            self.fail(
                row,
                column,
                f"'{value}' has more than 4 decimal places",
                "excel_decimals",
                value=str(value),
            )
            return None
        return number


def read_drafts(
    data: bytes, nodes: list[FrameNode]
) -> tuple[str | None, list[IndicatorDraft], list[Problem]]:
    """The goal and indicator rows of a workbook, and every problem found reading them."""
    problems: list[Problem] = []
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1024**2} MB")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(
            "the file is not an Excel workbook (.xlsx)", errors={"file": "not xlsx"}
        ) from None
    if SHEET not in book.sheetnames:
        raise InvalidInput(
            f"the workbook has no sheet named '{SHEET}' (it has: {', '.join(book.sheetnames)})",
            errors={"sheet": "missing"},
        )
    rows = list(book[SHEET].iter_rows(min_row=1, max_col=len(COLUMNS), values_only=True))
    book.close()
    reader = _Reader(nodes, problems)
    header = [
        str(v).strip() if v is not None else ""
        for v in (rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else ())
    ]
    if header[: len(COLUMNS)] != list(COLUMNS):
        raise InvalidInput(
            f"sheet {SHEET}, row {HEADER_ROW}: the column headings must be {' | '.join(COLUMNS)}",
            errors={"header": "unexpected"},
        )
    goal = rows[4][1] if len(rows) >= 5 else None
    drafts = []
    for number, values in enumerate(rows[FIRST_ROW - 1 :], start=FIRST_ROW):
        values = list(values) + [None] * (len(COLUMNS) - len(values))
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        drafts.append(_draft(reader, number, values))
    return (str(goal).strip() if goal else None), [d for d in drafts if d], problems


def _draft(reader: _Reader, row: int, values: list) -> IndicatorDraft | None:
    level1, level2, name, op_text, target, unit, weight, basis_text, note, code = values
    before = len(reader.problems)
    node = reader.node_code(row, level1, level2)
    operator = OPERATOR_READ.get(str(op_text or "").strip())
    if operator is None:
        reader.fail(
            row,
            4,
            f"'{op_text}' is not one of ≥ ＞ ＝ ≤ ＜ 定性",
            "excel_operator",
            value=str(op_text),
        )
    basis = BASIS_READ.get(str(basis_text or "").strip() or "计划标准")
    if basis is None:
        reader.fail(
            row,
            8,
            f"'{basis_text}' is not one of {', '.join(BASIS_TEXT.values())}",
            "excel_basis",
            value=str(basis_text),
        )
    value = text = None
    if operator is Operator.QUALITATIVE:
        text = str(target).strip() if target is not None else ""
    elif operator is not None:
        value = reader.decimal(row, 5, target)
    points = reader.decimal(row, 7, weight)
    if len(reader.problems) > before:
        return None
    return IndicatorDraft(
        node_code=node,
        name=str(name or "").strip(),
        operator=operator,
        target_value=value,
        target_text=text,
        unit_of_measure=str(unit or "").strip(),
        weight=points,
        basis=basis,
        scoring_note=str(note).strip() if note else None,
        library_code=str(code).strip() if code else None,
        where=f"sheet {SHEET}, row {row}",
    )


def import_table(session: Session, table: TargetTable, data: bytes) -> int:
    """Replace a draft table's goal and indicators from a workbook; all or nothing."""
    if table.status not in EDITABLE:
        raise Conflict(
            f"target table {table.id} is {table.status.value}; only a draft or a "
            "returned table can be replaced"
        )
    nodes = list(session.scalars(select(FrameNode).where(FrameNode.frame_id == table.frame_id)))
    goal, drafts, problems = read_drafts(data, nodes)
    if not problems:
        problems = check(drafts, nodes, table.frame.total_points)
    if not goal:
        problems.append(
            Problem(
                f"sheet {SHEET}, row 5, column B",
                "年度总体目标",
                "the overall goal is required",
                "excel_goal",
                {"sheet": SHEET, "row": 5, "column": "B"},
            )
        )
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
