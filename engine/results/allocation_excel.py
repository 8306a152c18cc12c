"""The allocation report as an Excel workbook: a sheet of department totals and one of the
projects with the decision and rules behind each (the same figures the page shows). Names and
reasons are written as text, never as formulas (engine.xlsx_text)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from engine.results.allocation_queries import AllocationRow, DepartmentTotal
from engine.xlsx_text import append

MONEY = "#,##0.00"
HEADER = PatternFill("solid", fgColor="EEF2F7")


def _header(sheet, titles: list[str]) -> None:
    append(sheet, titles)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER
    for index, title in enumerate(titles, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(title) * 2 + 2)
    sheet.freeze_panes = "A2"


def workbook(
    totals: list[DepartmentTotal],
    rows: list[AllocationRow],
    label: Callable[[str], str],
) -> bytes:
    """`label(key)` translates column titles into the reader's language."""
    book = Workbook()
    summary = book.active
    summary.title = label("alloc.sheet_departments")
    _header(
        summary,
        [
            label(k)
            for k in (
                "alloc.department",
                "alloc.projects",
                "alloc.this_year",
                "alloc.requested",
                "alloc.next_year",
                "alloc.change",
                "alloc.overridden",
            )
        ],
    )
    for t in totals:
        append(
            summary,
            [
                t.department or "—",
                t.projects,
                t.this_year,
                t.requested,
                t.next_year,
                t.change,
                t.overridden,
            ],
        )
    append(
        summary,
        [
            label("alloc.total"),
            sum(t.projects for t in totals),
            sum(t.this_year for t in totals),
            sum(t.requested for t in totals),
            sum(t.next_year for t in totals),
            sum(t.change for t in totals),
            sum(t.overridden for t in totals),
        ],
    )
    summary[summary.max_row][0].font = Font(bold=True)
    projects = book.create_sheet(label("alloc.sheet_projects"))
    _header(
        projects,
        [
            label(k)
            for k in (
                "alloc.department",
                "alloc.unit",
                "alloc.code",
                "alloc.project",
                "alloc.this_year",
                "alloc.requested",
                "alloc.factor",
                "alloc.next_year",
                "alloc.change",
                "alloc.decision",
                "alloc.rules",
                "alloc.ruleset",
                "alloc.override_reason",
            )
        ],
    )
    for r in rows:
        kind = r.decision.kind.value if r.decision is not None else ""
        append(
            projects,
            [
                r.department.name if r.department else "—",
                r.unit.name,
                r.project.code,
                r.project.name,
                r.this_year,
                r.allocation.requested,
                r.allocation.factor,
                r.allocation.amount,
                r.change,
                label(f"decision.kind.{kind}") if kind else "",
                ", ".join(r.rules),
                r.ruleset or "",
                r.allocation.override_reason or "",
            ],
        )
    for sheet, money in ((summary, "CDEF"), (projects, "EFHI")):
        for column in money:
            for cell in sheet[column][1:]:
                cell.number_format = MONEY
    projects.column_dimensions["D"].width = 36
    out = BytesIO()
    book.save(out)
    return out.getvalue()
