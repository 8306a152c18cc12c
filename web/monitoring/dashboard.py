"""The supervisor dashboard: alerts by colour (charts and a filterable table), acknowledging
an alert in place, and overdue rectification orders. Supervisors, the performance division,
finance desks and departments open it, each seeing its own scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from engine import trends
from engine.classifications import FUNCTIONAL_CLASSES
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.identity.access import visible_orgs
from engine.identity.permissions import Permission
from engine.models import FiscalYear, MonitoringTask, Organisation
from engine.models.enums import AlertKind, AlertStatus, OrgKind
from engine.monitoring import tracking as alert_tracking
from engine.monitoring.alert_queries import COLOURS, get_alert, list_alerts, summarise
from engine.notifications.centre import reminder_counts
from engine.rectification.oversight import overdue_rectifications
from engine.workdays import BEIJING
from web.auth import require
from web.db import get_session
from web.errors import refusal_status
from web.i18n import current_language, translate
from web.monitoring.alerts_api import AlertFilterArgs, alert_filter
from web.pages.views import page_number, plain_digits

bp = Blueprint("dashboard", __name__, template_folder="templates")

PER_PAGE = 20
# The reminders the dashboard counts: those of the last 30 days.
REMINDER_WINDOW = timedelta(days=30)
FILTERS = tuple(AlertFilterArgs().fields)
# Until someone filters, the table shows what needs attention: every colour but green.
DEFAULT_COLOURS = ("red", "yellow", "blue")


@bp.context_processor
def _helpers() -> dict:
    # Times are stored in UTC and shown as the users live them, in Beijing time.
    return {"tz": BEIJING, "class_name": _class_name}


def _class_name(code: str) -> str:
    names = FUNCTIONAL_CLASSES.get(code)
    if names is None:
        return ""
    return names[0] if current_language() == "zh-CN" else names[1]


def _filter_args() -> dict:
    """The filters in the query string, checked like the API's (422 on nonsense)."""
    raw: dict = {}
    for name in FILTERS:
        values = [value for value in request.args.getlist(name) if value.strip()]
        if values:
            raw[name] = values if name == "colour" else values[0]
    if "filtered" not in request.args and "colour" not in raw:
        raw["colour"] = list(DEFAULT_COLOURS)
    try:
        return AlertFilterArgs().load(raw)
    except ValidationError as error:
        raise InvalidInput(
            "a filter of the alert table is invalid", errors=error.normalized_messages()
        ) from None


def _query(**changes) -> str:
    """The current query string with `changes` (repeated keys such as colour kept)."""
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key not in changes]
    pairs += [(key, value) for key, value in changes.items() if value is not None]
    return urlencode(pairs)


def project_link(project_id: int) -> str:
    """The project's page (another area's endpoint, when the app has it)."""
    if "projects.project" in current_app.view_functions:
        try:
            return url_for("projects.project", project_id=project_id)
        except BuildError:
            pass
    return f"/projects/{project_id}"


def _table_context(args: dict) -> dict:
    session, actor = get_session(), require(Permission.VIEW_DASHBOARD)
    page = list_alerts(session, actor, alert_filter(args), page_number(), PER_PAGE)
    return {
        "page": page,
        "query": _query,
        "project_link": project_link,
        "may_acknowledge": alert_tracking.may_acknowledge(actor),
    }


def _choices(actor) -> dict:
    session = get_session()
    departments = select(Organisation).where(Organisation.kind == OrgKind.DEPARTMENT)
    scope = visible_orgs(actor)
    if scope is not None:
        departments = departments.where(Organisation.id.in_(scope))
    rounds = session.execute(
        select(FiscalYear.year, MonitoringTask.round_code, MonitoringTask.months_elapsed)
        .join(FiscalYear, FiscalYear.id == MonitoringTask.fiscal_year_id)
        .distinct()
        .order_by(FiscalYear.year.desc(), MonitoringTask.months_elapsed)
    ).all()
    return {
        "departments": session.scalars(departments.order_by(Organisation.code)).all(),
        "classes": FUNCTIONAL_CLASSES,
        "rounds": rounds,
        "colours": COLOURS,
        "statuses": [status.value for status in AlertStatus],
        "kinds": [kind.value for kind in AlertKind],
    }


@bp.get("/dashboard")
def dashboard():
    actor = require(Permission.VIEW_DASHBOARD)
    args = _filter_args()
    session = get_session()
    today = datetime.now(BEIJING).date()
    overdue, overdue_total = overdue_rectifications(session, actor, today)
    return render_template(
        "dashboard/dashboard.html",
        args=args,
        totals=summarise(session, actor, alert_filter(args)).totals,
        overdue=overdue,
        overdue_total=overdue_total,
        today=today,
        **_year_on_year(session, actor, args.get("year")),
        reminders=reminder_counts(session, actor, datetime.now(BEIJING) - REMINDER_WINDOW),
        reminder_days=REMINDER_WINDOW.days,
        **_choices(actor),
        **_table_context(args),
    )


def _year_on_year(session, actor, year: int | None) -> dict:
    """The departments the caller sees in the year filtered on (else the latest on record) and
    the year before, with a chart of their mean scores side by side."""
    year = year or session.scalar(select(func.max(FiscalYear.year)))
    departments = trends.departments_year_on_year(session, actor, year) if year else []

    def scores(side: str) -> list:
        values = [getattr(c, side) for c in departments]
        return [float(v.mean_score) if v and v.mean_score is not None else None for v in values]

    chart = {
        "labels": [c.name for c in departments],
        "y": translate("trend.mean_score"),
        "series": [
            {"label": str(year - 1), "colour": "#9aa5b1", "data": scores("last")},
            {"label": str(year), "colour": "#1a4fb4", "data": scores("this")},
        ]
        if year
        else [],
    }
    return {"yoy_year": year, "yoy": departments, "yoy_chart": chart}


@bp.get("/dashboard/alerts")
def alert_table():
    """The table (with its totals and pager) for htmx to swap in after a filter changes."""
    actor = require(Permission.VIEW_DASHBOARD)
    args = _filter_args()
    html = render_template(
        "dashboard/_alerts.html",
        totals=summarise(get_session(), actor, alert_filter(args)).totals,
        **_table_context(args),
    )
    query = _query()
    pushed = url_for("dashboard.dashboard") + (f"?{query}" if query else "")
    return html, 200, {"HX-Push-Url": pushed}


@bp.post("/dashboard/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):
    """Acknowledge one alert; answer with its table row, updated in place."""
    actor = require(Permission.VIEW_DASHBOARD)
    session = get_session()
    raw = request.form.get("version", "")
    if not plain_digits(raw) or not 1 <= int(raw) <= 2**31:
        raise InvalidInput("the alert version is missing", errors={"version": "invalid"})
    try:
        view = alert_tracking.acknowledge(session, actor, alert_id, int(raw))
    except (Conflict, Forbidden, InvalidInput) as error:
        # The row comes back as it now stands, with the reason the click did nothing.
        status = refusal_status(error)
        session.rollback()
        view = get_alert(session, actor, alert_id)
        return _row(view, actor, problem=error), status
    return _row(view, actor, done=True)


def _row(view, actor, problem=None, done=False):
    return render_template(
        "dashboard/_alert_row.html",
        alert=view,
        project_link=project_link,
        may_acknowledge=alert_tracking.may_acknowledge(actor),
        problem=_problem_text(problem) if problem else None,
        done=done,
    )


def _problem_text(error) -> str:
    if isinstance(error, Conflict):
        return translate("alert.ack.conflict")
    if isinstance(error, Forbidden):
        return translate("alert.ack.forbidden")
    return translate("alert.ack.invalid")
