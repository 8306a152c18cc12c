"""The monitoring task forms on the task page: the mid-year report, an alert response, and an
in-year adjustment request. Each parser turns posted fields into what engine/monitoring/forms.py
checks; blank fields are left out so the schema reports what is missing. The area's `init_app`
(web/monitoring/__init__.py) adds them to the page-form registry when the app is built, not on
import."""

from __future__ import annotations

from decimal import Decimal

from werkzeug.datastructures import MultiDict

from engine.models.enums import Colour, Course, DeviationReason, Likelihood, Operator
from engine.monitoring.alert_queries import AlertFilter, list_alerts
from engine.monitoring.report_queries import current_indicators, open_report
from web.auth import current_actor
from web.pages.views import plain_digits
from web.review.task_extras import evidence_context
from web.review.task_forms import PageForm

ROW_FIELDS = ("actual", "band", "likelihood", "reason", "note")
# The courses a unit may take after an alert (domain.md), in the order they are offered.
COURSES = [course.value for course in Course]


def _text(posted: MultiDict, name: str) -> str | None:
    value = (posted.get(name) or "").strip()
    return value or None


def _report_context(session, task, project) -> dict:
    evidence = evidence_context(session, task, project)
    if project is None:
        return {"indicators": [], "report": None, **evidence}
    report = open_report(session, project.id)
    months = report.task.months_elapsed if report else None
    indicators = current_indicators(session, project.id)
    paces = {}
    for indicator in indicators:
        # What "on pace" means at this point of the year, shown beside the target.
        if (
            months
            and indicator.target_value is not None
            and indicator.operator
            in (
                Operator.GE,
                Operator.GT,
            )
        ):
            paces[indicator.id] = indicator.target_value * Decimal(months) / Decimal(12)
    return {
        "report": report,
        "months": months,
        "indicators": indicators,
        "paces": paces,
        "likelihoods": [likelihood.value for likelihood in Likelihood],
        "reasons": [reason.value for reason in DeviationReason],
        "qualitative": Operator.QUALITATIVE,
        **evidence,
    }


def parse_monitoring_report(posted: MultiDict) -> dict:
    rows = []
    for raw_id in posted.getlist("indicator_id"):
        row: dict = {"indicator_id": int(raw_id) if plain_digits(raw_id) else raw_id}
        for name in ROW_FIELDS:
            value = _text(posted, f"{name}-{raw_id}")
            if value is not None:
                row[name] = value
        rows.append(row)
    data: dict = {"rows": rows}
    executed = _text(posted, "executed_to_date")
    if executed is not None:
        data["executed_to_date"] = executed
    return data


ANSWERED_COLOURS = (Colour.RED.value, Colour.YELLOW.value, Colour.BLUE.value)


def _response_context(session, task, project) -> dict:
    if project is None:
        return {"alerts": [], "courses": COURSES}
    # Views, not bare rows: each names its indicator and its 序时进度比
    # (engine/monitoring/pace_ratio.py).
    where = AlertFilter(colours=ANSWERED_COLOURS, project_id=project.id)
    alerts = list_alerts(session, current_actor(), where, 1, 20, "-id").items
    return {"alerts": alerts, "courses": COURSES}


def parse_alert_response(posted: MultiDict) -> dict:
    return {
        key: value for key in ("course", "explanation") if (value := _text(posted, key)) is not None
    }


def _adjustment_context(session, task, project) -> dict:
    courses = [Course.ADJUST_TARGETS.value, Course.REALLOCATE.value, Course.CANCEL.value]
    return {"courses": courses, "project": project}


def parse_adjustment_request(posted: MultiDict) -> dict:
    return {
        key: value
        for key in ("explanation", "course", "amount_change")
        if (value := _text(posted, key)) is not None
    }


PAGE_FORMS = {
    "monitoring_report": PageForm(
        "forms/monitoring_report.html", parse_monitoring_report, _report_context
    ),
    "alert_response": PageForm(
        "forms/alert_response.html", parse_alert_response, _response_context
    ),
    "adjustment_request": PageForm(
        "forms/adjustment_request.html", parse_adjustment_request, _adjustment_context
    ),
}
