"""Where things are in a 绩效目标申报表 as the Ministry of Finance template, provincial 一体化
systems and our own download lay it out.

The heading row is found by its headings (not fixed at row 7), columns by their heading under any
of its usual names, the overall goal by its label, and a value written once in a merged
一级/二级指标 cell applies to every row of the merge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine.errors import InvalidInput

SHEET_NAMES = ("绩效目标申报表", "项目支出绩效目标申报表")
# Bounded scans: the headings sit near the top; a table has at most 15 indicators.
HEADING_SCAN_ROWS, MAX_COLUMNS, MAX_DATA_ROWS = 30, 30, 500

# Each field's headings, as the templates in use spell them (compared without spaces, "*"
# marks or a bracketed unit such as "分值（分）").
FIELD_HEADINGS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "三级指标名称", "指标名称", "指标内容"),
    "nature": ("指标性质", "指标类型"),
    "symbol": ("计算符号", "运算符号", "比较符号", "指标值符号", "符号"),
    "target": ("指标值", "目标值", "年度指标值", "年度目标值", "指标目标值"),
    "unit": ("度量单位", "计量单位", "单位", "指标单位"),
    "weight": ("分值", "权重", "指标权重", "指标分值", "权重分值"),
    "basis": ("指标值确定依据", "指标值设定依据", "确定依据", "设定依据", "指标值依据"),
    "note": ("评分说明", "评分标准", "评分规则"),
    "library_code": ("指标库编码", "指标编码"),
}
REQUIRED = ("level2", "name", "target")
# Fields whose value, written once in a cell merged over several rows, belongs to each row.
SPREAD_OVER_MERGE = ("level1", "level2", "nature", "symbol", "unit", "basis")
GOAL_LABELS = ("年度总体目标", "年度绩效目标", "年度目标", "总体目标", "绩效目标")
# Labels beside the goal that are not the goal (the MoF template puts 中长期目标 next to it).
NOT_GOAL = ("中长期目标", "中长期绩效目标", "实施期目标", "实施期绩效目标", "长期目标")
_HEADING_OF = {alias: field for field, aliases in FIELD_HEADINGS.items() for alias in aliases}
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")


@dataclass(frozen=True)
class Layout:
    """Where one sheet keeps its headings, columns and goal."""

    sheet: str
    heading_row: int
    columns: dict[str, int]  # field → column number (1-based)
    headings: dict[int, str]  # column number → the heading as written in the sheet
    goal: str | None
    goal_cell: tuple[int, int]  # (row, column) of the goal, or where it belongs

    def where(self, row: int, column: int) -> str:
        return (
            f"sheet {self.sheet}, row {row}, column {get_column_letter(column)} "
            f"({self.headings.get(column, '')})"
        )


@dataclass(frozen=True)
class SheetRow:
    """One row under the headings: each field's value and number format, and merged cells."""

    number: int
    values: dict[str, object]
    formats: dict[str, str]
    merged_from: dict[str, int]  # field → the row whose value a merged cell repeats


def heading_key(text) -> str:
    """A heading as compared: no spaces, no "*" marks, no bracketed unit, no colon."""
    if text is None:
        return ""
    key = re.sub(r"\s+", "", str(text))
    return _BRACKETED.sub("", key).strip("*＊:：")


def find_sheet(book: Workbook) -> Worksheet:
    """The 绩效目标申报表 sheet under either of its names, else the one sheet with headings."""
    for name in SHEET_NAMES:
        if name in book.sheetnames:
            return book[name]
    with_headings = [s for s in book.worksheets if _heading_row(s) is not None]
    if len(with_headings) == 1:
        return with_headings[0]
    raise InvalidInput(
        f"the workbook has no sheet named {' or '.join(SHEET_NAMES)} "
        f"(it has: {', '.join(book.sheetnames)})",
        errors={"sheet": "missing"},
    )


def find_layout(sheet: Worksheet) -> Layout:
    """The sheet's heading row, its columns and its goal; InvalidInput if it has no headings."""
    row = _heading_row(sheet)
    if row is None:
        needed = " ".join(FIELD_HEADINGS[field][0] for field in REQUIRED)
        raise InvalidInput(
            f"sheet {sheet.title}: none of the first {HEADING_SCAN_ROWS} rows has the column "
            f"headings {needed}",
            errors={"header": "unexpected"},
        )
    columns: dict[str, int] = {}
    headings: dict[int, str] = {}
    for column in range(1, MAX_COLUMNS + 1):
        written = sheet.cell(row, column).value
        field = _HEADING_OF.get(heading_key(written))
        # The first column of a heading counts: the MoF template repeats them for 中长期 targets.
        if field is not None and field not in columns:
            columns[field] = column
            headings[column] = re.sub(r"\s+", "", str(written))
    goal, goal_cell = _goal(sheet, row)
    return Layout(sheet.title, row, columns, headings, goal, goal_cell)


def rows_under(sheet: Worksheet, layout: Layout) -> list[SheetRow]:
    """The rows under the headings (at most MAX_DATA_ROWS), merged cells resolved."""
    first = layout.heading_row + 1
    last = min(sheet.max_row, layout.heading_row + MAX_DATA_ROWS)
    if last < first:
        return []
    anchors = _merge_anchors(sheet, first, last, set(layout.columns.values()))
    width = max(layout.columns.values())
    rows = []
    for cells in sheet.iter_rows(min_row=first, max_row=last, max_col=width):
        number = cells[0].row
        values, formats, merged_from = {}, {}, {}
        for field, column in layout.columns.items():
            cell = cells[column - 1]
            if isinstance(cell, MergedCell):
                anchor = anchors.get((number, column))
                if anchor is not None and anchor[0] != number:
                    merged_from[field] = anchor[0]
                    if field in SPREAD_OVER_MERGE:
                        values[field] = anchor[1]
                continue
            values[field] = cell.value
            formats[field] = cell.number_format
        rows.append(SheetRow(number, values, formats, merged_from))
    return rows


def _heading_row(sheet: Worksheet) -> int | None:
    rows = sheet.iter_rows(
        min_row=1, max_row=HEADING_SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True
    )
    for number, values in enumerate(rows, start=1):
        fields = {_HEADING_OF.get(heading_key(value)) for value in values}
        if all(field in fields for field in REQUIRED):
            return number
    return None


def _goal(sheet: Worksheet, heading_row: int) -> tuple[str | None, tuple[int, int]]:
    """The overall goal: right of its label, else under it (the MoF 年度目标 column)."""
    labels = {label: index for index, label in enumerate(GOAL_LABELS)}
    found: list[tuple[int, int, int]] = []
    for cells in sheet.iter_rows(min_row=1, max_row=heading_row - 1, max_col=MAX_COLUMNS):
        for cell in cells:
            key = heading_key(cell.value)
            if key in labels and not isinstance(cell, MergedCell):
                found.append((labels[key], cell.row, cell.column))
    # The most specific label first (年度总体目标 before 总体目标), then top to bottom.
    for _, row, column in sorted(found):
        for at in [(row, c) for c in range(column + 1, MAX_COLUMNS + 1)] + [(row + 1, column)]:
            if at[0] >= heading_row:
                continue
            value = sheet.cell(*at).value
            key = heading_key(value)
            if key in labels or key in NOT_GOAL or not key:
                continue
            return str(value).strip(), at
    if found:
        _, row, column = sorted(found)[0]
        return None, (row, column + 1)
    return None, (max(heading_row - 2, 1), 2)


def _merge_anchors(
    sheet: Worksheet, first: int, last: int, columns: set[int]
) -> dict[tuple[int, int], tuple[int, object]]:
    """(row, column) of each merged cell under the headings → (its anchor row, anchor value)."""
    anchors = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_row < first or merged.min_row > last:
            continue
        value = sheet.cell(merged.min_row, merged.min_col).value
        for column in range(merged.min_col, merged.max_col + 1):
            if column not in columns:
                continue
            for row in range(max(merged.min_row, first), min(merged.max_row, last) + 1):
                anchors[(row, column)] = (merged.min_row, value)
    return anchors
