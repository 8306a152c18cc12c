"""事前绩效评估 on the pages: the assessments the caller may see, a year at a time, with each
project's request, who assesses it, where it stands, its points and conclusion, and the amount
recommended (a department assessing several projects, the performance division overseeing
them all; a third party those it was commissioned for)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.evaluation.ex_ante import CONCLUSIONS
from engine.evaluation.ex_ante_queries import ExAnteFilter, assessments_in_scope, list_ex_ante
from engine.models import ExAnteAssessment, FiscalYear, Organisation, Project
from web.auth import current_actor
from web.db import get_session
from web.pages.views import page_number, year_or_newest

bp = Blueprint("ex_ante_pages", __name__, template_folder="templates")
PER_PAGE = 50
CHOICES = (*CONCLUSIONS, "pending")


def _years(session) -> list[int]:
    """The years with an assessment the caller may see, newest first."""
    stmt = (
        select(FiscalYear.year)
        .join(Project, Project.fiscal_year_id == FiscalYear.id)
        .join(ExAnteAssessment, ExAnteAssessment.project_id == Project.id)
    )
    return list(
        session.scalars(
            assessments_in_scope(stmt, current_actor()).distinct().order_by(FiscalYear.year.desc())
        )
    )


@bp.get("/ex-ante")
def assessments():
    session = get_session()
    years = _years(session)
    year = year_or_newest(years)
    conclusion = request.args.get("conclusion") or None
    if conclusion is not None and conclusion not in CHOICES:
        raise InvalidInput(
            f"unknown conclusion {conclusion!r}",
            errors={"conclusion": "unknown"},
            key="unknown_conclusion",
            params={"conclusion": conclusion[:20]},
        )
    where = ExAnteFilter(conclusion=conclusion, year=year)
    page = list_ex_ante(session, current_actor(), where, page_number(), PER_PAGE, "-id")
    assessors = {
        org.id: org
        for org in session.scalars(
            select(Organisation).where(
                Organisation.id.in_({a.assessor_org_id for a in page.items if a.assessor_org_id})
            )
        )
    }
    return render_template(
        "ex_ante/list.html",
        page=page,
        years=years,
        where=where,
        choices=CHOICES,
        assessors=assessors,
    )
