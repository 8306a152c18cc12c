"""部门整体绩效 on the pages: each department's plan of a year (status, mid-year execution and
colour, its grades) and one plan — the table, key tasks, monitoring, evaluations and where its
process is; with the helpers the department's task forms use."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, g, render_template, request, url_for
from sqlalchemy import select

from engine.department import rollup
from engine.department.evaluation import score_sheet
from engine.department.queries import (
    PlanFilter,
    department_scope,
    get_plan,
    instance_of,
    list_plans,
)
from engine.department_key import parse_department_key
from engine.errors import InvalidInput
from engine.models import DepartmentPlan, FiscalYear
from engine.models.enums import DocumentStatus, Operator
from web.auth import current_actor
from web.db import get_session
from web.department import report_forms
from web.department.posted import place
from web.department.views import plan_detail, plan_of_task, plan_rows
from web.formatting import plain
from web.i18n import current_language, translate
from web.pages.views import page_number, year_or_newest
from web.review.task_subjects import TaskSubject

bp = Blueprint("departments", __name__, template_folder="templates")
PER_PAGE = 50
STATUSES = [status.value for status in DocumentStatus]


def _years(session) -> list[int]:
    """The years with a plan the caller may see, newest first."""
    return list(
        session.scalars(
            select(FiscalYear.year)
            .join(DepartmentPlan, DepartmentPlan.fiscal_year_id == FiscalYear.id)
            .where(department_scope(current_actor()))
            .distinct()
            .order_by(FiscalYear.year.desc())
        )
    )


@bp.get("/departments/performance")
def plans():
    session = get_session()
    years = _years(session)
    year = year_or_newest(years)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"unknown status {status!r}",
            errors={"status": "unknown"},
            key="unknown_status",
            params={"status": status},
        )
    where = PlanFilter(year=year, status=status)
    page = list_plans(session, current_actor(), where, page_number(), PER_PAGE, "org_id")
    return render_template(
        "department/list.html",
        page=plan_rows(session, page),
        years=years,
        where=where,
        statuses=STATUSES,
    )


@bp.get("/departments/performance/<int:plan_id>")
def plan(plan_id: int):
    session, actor = get_session(), current_actor()
    detail = plan_detail(session, actor, plan_id)
    workflow = current_app.extensions["budgetloop.workflow"]
    instance = instance_of(session, actor, workflow, detail.view)
    return render_template("department/detail.html", detail=detail, instance=instance)


@bp.post("/departments/performance/<int:plan_id>/score-preview")
def score_preview(plan_id: int):
    """Each row's score, the total and the grade for the posted evaluation form; saves
    nothing (the evaluation forms post here as the user types)."""
    session = get_session()
    plan = get_plan(session, current_actor(), plan_id).plan
    data = report_forms.parse_evaluation(request.form)
    projects = rollup.year_end(session, plan.org_id, plan.fiscal_year_id)
    budget = projects.budget + (plan.basic_budget or Decimal(0))
    basic = _amount(data.get("basic_executed"))
    executed = None if basic is None else str(projects.executed + basic)
    scored = score_sheet(session, plan, data, budget, executed)
    return render_template("forms/_department_score_preview.html", scored=scored, plan=plan)


def _amount(text) -> Decimal | None:
    """A typed amount in 元 to the fen, or None when it is not one the form would take."""
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        return None
    return value.quantize(Decimal("0.01"))


# ---- what the department's pages and task forms show, in the page's language ------------------


@bp.app_template_global()
def department_place(error, keys=None, engine_names_ids: bool = False, aliases=None):
    """The problems of a refused department form, next to their fields (posted.place)."""
    return place(error, keys, engine_names_ids=engine_names_ids, aliases=aliases)


@bp.app_template_global()
def department_node(node) -> str:
    """A frame item's name in the page's language."""
    if node is None:
        return ""
    return node.name_en if current_language() == "en" else node.name_zh


@bp.app_template_global()
def key_tasks_total(plan) -> Decimal:
    """What the key work tasks budget together (each amount is stored as text)."""
    return sum((Decimal(str(task.get("amount") or 0)) for task in plan.key_tasks or []), Decimal(0))


@bp.app_template_global()
def department_target(indicator) -> str:
    """≥ 95 %, or the qualitative target in words."""
    if indicator.operator is Operator.QUALITATIVE:
        qualitative, colon = translate("targets.operator.qualitative"), translate("dept.colon")
        return f"{qualitative}{colon}{indicator.target_text or ''}"
    sign = translate(f"targets.operator.{indicator.operator.value}")
    return f"{sign} {plain(indicator.target_value)} {indicator.unit_of_measure or ''}".strip()


@bp.app_template_global()
def department_actual(row: dict, indicator=None) -> str:
    """A scored or reported row's actual value with the indicator's unit (59.65 beside
    "≥ 100 %" read as a shortfall of a different quantity), or its band in words."""
    if row.get("band"):
        band = translate(f"evaluation.band.{row['band']}")
        share = row.get("band_pct")
        return f"{band} {plain(Decimal(str(share)) * 100)}%" if share else band
    actual = plain(row.get("actual"))
    unit = indicator.unit_of_measure if indicator is not None else ""
    return f"{actual} {unit}" if actual and unit else actual


@bp.app_template_global()
def department_grade(plan, code: str | None) -> str:
    """ "B 良" (or "B good"): the grade with the department frame's label."""
    if not code:
        return ""
    language = "en" if current_language() == "en" else "zh"
    for band in plan.frame.grade_bands or []:
        if band.get("code") == code:
            return f"{code} {band.get(f'label_{language}', '')}".strip()
    return code


def department_subject(task) -> TaskSubject | None:
    """A department_performance task (it has no project): its department and year, linking to
    the plan. Read once per business key in a request."""
    key = getattr(task, "business_key", "") or ""
    department = parse_department_key(key)
    if department is None:
        return None
    seen = g.setdefault("department_subjects", {})
    if key not in seen:
        plan = plan_of_task(get_session(), task)
        seen[key] = (
            None
            if plan is None
            else TaskSubject(
                plan.organisation.name,
                translate("dept.subject_year", year=department[1]),
                url_for("departments.plan", plan_id=plan.id),
            )
        )
    return seen[key]
