"""One row of a 绩效目标申报表 as an indicator draft; every problem names its sheet, row and
column, with a code and parameters the pages translate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from engine.models import FrameNode
from engine.models.enums import Basis, Operator
from engine.targets.cell_values import CellValue, read_cell, read_operator
from engine.targets.sheet_layout import FIELD_HEADINGS, Layout, SheetRow, heading_key
from engine.targets.validation import IndicatorDraft, Problem

MAX_PLACES = 4
OPERATOR_CHOICES = "≥ ＞ ＝ ≤ ＜ 定性"
BASIS_TEXT = {
    Basis.PLAN: "计划标准",
    Basis.INDUSTRY_STANDARD: "行业标准",
    Basis.HISTORY: "历史标准",
    Basis.OTHER: "其他",
}
BASIS_READ = {
    **{text: basis for basis, text in BASIS_TEXT.items()},
    **{basis.value: basis for basis in Basis},
    "其他标准": Basis.OTHER,
}
# Values the filer may leave out; a blank here never makes a row count as filled in.
_NUMERIC_ONLY = "定量"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class RowReader:
    """Reads rows of one sheet against a frame, collecting problems."""

    layout: Layout
    nodes: list[FrameNode]
    problems: list[Problem]

    def fail(self, row: int, field: str, reason: str, code: str, **params) -> None:
        column = self.layout.columns.get(field) or self.layout.columns["target"]
        heading = self.layout.headings[column]
        self.problems.append(
            Problem(
                self.layout.where(row, column),
                heading,
                reason,
                code,
                {
                    "sheet": self.layout.sheet,
                    "row": row,
                    "column": get_column_letter(column),
                    **params,
                },
            )
        )

    def draft(self, row: SheetRow, weighted: bool) -> IndicatorDraft | None:
        """The row as a draft (weight 0 when the sheet has no weights), or None if it has errors."""
        before = len(self.problems)
        values = row.values
        for field in ("name", "target", "weight"):
            if field in row.merged_from:
                heading = self.layout.headings[self.layout.columns[field]]
                self.fail(
                    row.number,
                    field,
                    f"this cell is merged with row {row.merged_from[field]}; "
                    f"give each indicator its own {heading}",
                    "excel_merged",
                    anchor=row.merged_from[field],
                )
        if row.merged_from.keys() & {"target", "weight"}:
            return None  # the merge is the problem; its value belongs to no row in particular
        node = self._node_code(row.number, values.get("level1"), values.get("level2"))
        target = read_cell(values.get("target"), row.formats.get("target"))
        operator = self._operator(row.number, values, target)
        value = text = None
        unit = self._text(values.get("unit"))
        if operator is Operator.QUALITATIVE:
            text = target.text or ""
        elif operator is not None:
            value = self._number(row.number, "target", target)
            unit = self._unit(row.number, unit, target)
            if value is not None and unit == "%" and not 0 <= value <= 100:
                self.fail(
                    row.number,
                    "target",
                    f"{value} % is not a percentage between 0 and 100",
                    "excel_percent_range",
                    value=str(value),
                )
        weight = Decimal(0)
        if weighted:
            cell = read_cell(values.get("weight"), row.formats.get("weight"))
            weight = self._number(row.number, "weight", cell)
        basis_text = self._text(values.get("basis")) or BASIS_TEXT[Basis.PLAN]
        basis = BASIS_READ.get(basis_text)
        if basis is None:
            self.fail(
                row.number,
                "basis",
                f"'{basis_text}' is not one of {', '.join(BASIS_TEXT.values())}",
                "excel_basis",
                value=basis_text,
            )
        if len(self.problems) > before:
            return None
        return IndicatorDraft(
            node_code=node,
            name=self._text(values.get("name")),
            operator=operator,
            target_value=value,
            target_text=text,
            unit_of_measure=unit,
            weight=weight,
            basis=basis,
            scoring_note=self._text(values.get("note")) or None,
            library_code=self._text(values.get("library_code")) or None,
            where=f"sheet {self.layout.sheet}, row {row.number}",
        )

    def _node_code(self, row: int, level1, level2) -> str | None:
        level1, level2 = self._text(level1), self._text(level2)
        if not level2:
            self.fail(row, "level2", "the level-2 item is empty", "excel_level_missing")
            return None
        parents = {n.id: n for n in self.nodes if n.level == 1}
        for node in self.nodes:
            if node.level == 2 and level2 in (node.name_zh, node.code):
                parent = parents[node.parent_id]
                # A blank 一级指标 is read from the 二级指标, which names exactly one parent.
                if level1 and level1 not in (parent.name_zh, parent.code):
                    self.fail(
                        row,
                        "level1" if "level1" in self.layout.columns else "level2",
                        f"'{level2}' belongs under '{parent.name_zh}', not '{level1}'",
                        "excel_parent",
                        level2=level2,
                        parent=parent.name_zh,
                        level1=level1,
                    )
                return node.code
        self.fail(
            row,
            "level2",
            f"'{level2}' is not a level-2 item of the frame",
            "excel_level",
            value=level2,
        )
        return None

    def _operator(self, row: int, values: dict, target: CellValue) -> Operator | None:
        """The operator from 指标性质, 计算符号 and the value cell, which must agree."""
        stated: list[tuple[str, Operator]] = []
        numeric_only = unreadable = False
        for field in ("nature", "symbol"):
            raw = values.get(field)
            if is_blank(raw):
                continue
            if heading_key(raw) == _NUMERIC_ONLY:
                numeric_only = True
                continue
            operator = read_operator(raw)
            if operator is None:
                unreadable = True
                self.fail(
                    row,
                    field,
                    f"'{raw}' is not one of {OPERATOR_CHOICES}",
                    "excel_operator",
                    value=str(raw).strip(),
                )
            else:
                stated.append((field, operator))
        if target.operator is not None:
            stated.append(("target", target.operator))
        if len({operator for _, operator in stated}) > 1:
            (first, one), (second, other) = stated[0], stated[1]
            self.fail(
                row,
                "target",
                f"{self._heading(first)} says {_symbol(one)} but {self._heading(second)} says "
                f"{_symbol(other)}",
                "excel_operator_conflict",
                first=self._heading(first),
                first_value=_symbol(one),
                second=self._heading(second),
                second_value=_symbol(other),
            )
            return None
        if stated:
            return stated[0][1]
        if unreadable:
            return None
        if target.number is None and target.text and not numeric_only:
            return Operator.QUALITATIVE  # words with no number: the MoF form's 定性 target
        field = "symbol" if "symbol" in self.layout.columns else "nature"
        self.fail(
            row,
            field,
            f"no operator: write one of {OPERATOR_CHOICES} here or before the value (≥95)",
            "excel_operator_missing",
        )
        return None

    def _number(self, row: int, field: str, cell: CellValue) -> Decimal | None:
        if cell.problem is not None:
            code, params = cell.problem
            self.fail(row, field, f"'{params.get('value')}' is not a number", code, **params)
            return None
        if cell.number is None:
            if cell.text:
                self.fail(
                    row,
                    field,
                    f"'{cell.text}' is not a number",
                    "excel_not_number",
                    value=cell.text,
                )
            else:
                self.fail(row, field, "a number is required", "excel_number_required")
            return None
        if cell.number.as_tuple().exponent < -MAX_PLACES:
            self.fail(
                row,
                field,
                f"'{cell.number}' has more than {MAX_PLACES} decimal places",
                "excel_decimals",
                value=str(cell.number),
            )
            return None
        return cell.number

    def _unit(self, row: int, written: str, target: CellValue) -> str:
        """The unit column, or the unit in the value cell; a conflict between them is an error."""
        written = "%" if written == "％" else written
        if target.unit and written and written != target.unit:
            self.fail(
                row,
                "unit" if "unit" in self.layout.columns else "target",
                f"the value is in {target.unit} but the unit is '{written}'",
                "excel_unit_conflict",
                value_unit=target.unit,
                unit=written,
            )
        return written or target.unit or ""

    def _heading(self, field: str) -> str:
        column = self.layout.columns.get(field)
        return self.layout.headings[column] if column else FIELD_HEADINGS[field][0]

    @staticmethod
    def _text(value) -> str:
        return "" if value is None else str(value).strip()


def _symbol(operator: Operator) -> str:
    return {
        Operator.GE: "≥",
        Operator.GT: "＞",
        Operator.EQ: "＝",
        Operator.LE: "≤",
        Operator.LT: "＜",
        Operator.QUALITATIVE: "定性",
    }[operator]
