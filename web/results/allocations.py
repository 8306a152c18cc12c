"""The allocation report: this year → next year by department, drilled down to projects with
the decision and rules behind each; the same as an Excel workbook."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from engine.results.allocation_excel import workbook
from engine.results.allocation_queries import (
    all_allocations,
    allocation_summary,
    latest_allocation_year,
    list_allocations,
)
from web.auth import current_actor
from web.db import get_session
from web.downloads import attachment_disposition
from web.i18n import translate
from web.pages.views import int_arg, page_number

bp = Blueprint("allocations", __name__, template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(session, actor) -> int | None:
    year = int_arg("year")
    return year if year is not None else latest_allocation_year(session, actor)


@bp.get("/allocations")
def report():
    session, actor = get_session(), current_actor()
    year = _year(session, actor)
    department_id = int_arg("department_id")
    totals = allocation_summary(session, actor, year)
    page = list_allocations(session, actor, year, department_id, page_number(), 50, "code")
    department = next((t for t in totals if t.department_id == department_id), None)
    return render_template(
        "results/allocations.html",
        year=year,
        totals=totals,
        page=page,
        department_id=department_id,
        department=department,
        grand={
            "projects": sum(t.projects for t in totals),
            "this_year": sum(t.this_year for t in totals),
            "requested": sum(t.requested for t in totals),
            "next_year": sum(t.next_year for t in totals),
            "change": sum(t.change for t in totals),
            "overridden": sum(t.overridden for t in totals),
        },
    )


@bp.get("/allocations.xlsx")
def export():
    session, actor = get_session(), current_actor()
    year = _year(session, actor)
    department_id = int_arg("department_id")
    totals = allocation_summary(session, actor, year)
    rows = all_allocations(session, actor, year, department_id)
    data = workbook(totals, rows, translate)
    name = f"allocations-{year or 'none'}{f'-{department_id}' if department_id else ''}.xlsx"
    return Response(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": attachment_disposition(name)},
    )
