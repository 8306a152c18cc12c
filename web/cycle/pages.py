"""Projects: the list the caller may see, and one project's history across the cycle."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from engine import trends
from engine.cycle.projects import (
    ProjectFilter,
    ex_ante_of,
    get_organisation,
    get_project,
    list_projects,
    project_instance,
)
from engine.errors import InvalidInput, NotFound
from engine.models import IndicatorFrame
from engine.models.enums import ProjectStatus
from engine.targets.queries import filing_task, project_history
from web.auth import current_actor
from web.db import get_session
from web.i18n import translate
from web.pages.views import int_arg, page_number
from web.plain_text import is_plain

# Ids above what the database holds are "not found", not an overflow deep in the driver.
ID = "int(max=4611686018427387904)"
bp = Blueprint("projects", __name__, template_folder="templates")
STATUSES = [status.value for status in ProjectStatus]


def has_endpoint(name: str) -> bool:
    """Whether a page exists (areas are built separately: link only to those that do)."""
    return name in current_app.view_functions


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals.setdefault("has_endpoint", has_endpoint)


@bp.get("/projects")
def projects():
    year = int_arg("year")
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput(f"year {year} is out of range", errors={"year": "out of range"})
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", errors={"status": "unknown"})
    q = (request.args.get("q") or "").strip()[:100] or None
    if q is not None and not is_plain(q):
        raise InvalidInput("the search text contains a NUL character", errors={"q": "invalid"})
    where = ProjectFilter(year=year, status=status, q=q)
    page = list_projects(get_session(), current_actor(), where, page_number(), 25, "-id")
    return render_template("projects/list.html", page=page, where=where, statuses=STATUSES)


@bp.get(f"/projects/<{ID}:project_id>")
def project(project_id: int):
    session, actor = get_session(), current_actor()
    found = get_project(session, actor, project_id)
    return render_template(
        "projects/detail.html",
        history=project_history(session, actor, found),
        project=found,
        task=filing_task(session, actor, found),
        instance=_instance_or_none(session, actor, found.id),
        trend=trends.project_trend(session, actor, found.id),
        trend_org=_trend_org(session, actor, found),
        ex_ante=(ex_ante := ex_ante_of(session, found)),
        ex_ante_items=_ex_ante_items(session, ex_ante),
    )


def _ex_ante_items(session, assessment) -> list[tuple]:
    """Each item of the assessment's frame with the points it was given (None until scored):
    the conclusion is read against them, as the assessor scored them."""
    if assessment is None or not assessment.scores:
        return []
    frame = session.get(IndicatorFrame, assessment.frame_id)
    return [
        (node, assessment.scores.get(node.code))
        for node in sorted(frame.nodes, key=lambda n: n.position)
        if node.level == 1
    ]


def _trend_org(session, actor, project):
    """Whose years the project page links to: its department's where the reader may see the
    department, else its unit's, else none (an evaluator sees neither)."""
    for org_id, label in (
        (project.unit.parent_id, "trend.department_link"),
        (project.unit_id, "trend.unit_link"),
    ):
        if org_id is None:
            continue
        try:
            get_organisation(session, actor, org_id)
        except NotFound:
            continue
        return {"id": org_id, "label": label}
    return None


@bp.get(f"/organisations/<{ID}:org_id>/trend")
def org_trend(org_id: int):
    """A department's (or unit's) years: a chart of its mean score and alerts, and the table."""
    organisation, years = trends.org_trend(get_session(), current_actor(), org_id)
    return render_template(
        "projects/org_trend.html",
        organisation=organisation,
        years=years,
        chart=trend_chart(years),
    )


def trend_chart(years) -> dict:
    """The chart's labels and series, in the page's language: mean score (line, left axis)
    and red and yellow alerts (bars, right axis), year by year."""
    return {
        "labels": [str(row.year) for row in years],
        "y": translate("trend.mean_score"),
        "y2": translate("trend.alerts_axis"),
        "series": [
            {
                "label": translate("trend.mean_score"),
                "type": "line",
                "colour": "#1a4fb4",
                "data": [
                    float(row.mean_score) if row.mean_score is not None else None for row in years
                ],
            },
            {
                "label": translate("trend.red_alerts"),
                "axis": "y2",
                "colour": "#c0392b",
                "data": [row.red_alerts for row in years],
            },
            {
                "label": translate("trend.yellow_alerts"),
                "axis": "y2",
                "colour": "#e0a800",
                "data": [row.yellow_alerts for row in years],
            },
        ],
    }


def _instance_or_none(session, actor, project_id: int):
    """Where the project's process is; None before its cycle has started (a seeded draft)."""
    try:
        return project_instance(
            session, actor, current_app.extensions["budgetloop.workflow"], project_id
        )
    except NotFound:
        return None
