"""Monitoring: alerts from a unit's report, and suspending disbursement."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine import alerts, policy
from engine.cycle.context import decimal, fiscal_year_of, project_of
from engine.cycle.documents import document_row
from engine.errors import InvalidInput
from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow, MonitoringTask
from engine.models.enums import AlertKind, Colour, Course, Likelihood, Operator, QualitativeBand
from engine.workdays import deadline_after_working_days
from engine.workflow.operations import OperationRegistry, ServiceCall


def compute_alerts(call: ServiceCall) -> dict:
    """Record the report's figures and raise budget, indicator and project alerts."""
    report: MonitoringReport = document_row(call)
    project = project_of(call)
    year = fiscal_year_of(call, project)
    task = call.session.get(MonitoringTask, report.task_id)
    months = task.months_elapsed
    settings = policy.setting(call.session, "alerts", year.region_code, year.year)
    pace = settings["pace"]
    report.executed_to_date = decimal(call.require("executed_to_date"), "executed_to_date")
    if report.executed_to_date < 0 or report.executed_to_date > report.budget * 2:
        raise InvalidInput(
            "executed_to_date is outside 0 … twice the budget",
            errors={"executed_to_date": "out of range"},
        )
    rate = report.executed_to_date / report.budget if report.budget else Decimal(0)
    colours = [alerts.budget_colour(rate, months, pace["budget"])]
    _alert(call, report, None, AlertKind.BUDGET, colours[0], rate)
    rows = {row["indicator_id"]: row for row in call.data.get("rows", [])}
    indicators = (
        call.session.query(Indicator)
        .filter(Indicator.target_table_id == call.require("target_table_id"))
        .all()
    )
    for indicator in indicators:
        row = rows.get(indicator.id, {})
        likelihood = Likelihood(row.get("likelihood", "possible"))
        band = QualitativeBand(row["band"]) if row.get("band") else None
        actual = decimal(row["actual"], "actual") if row.get("actual") is not None else None
        if indicator.operator is not Operator.QUALITATIVE and actual is None:
            actual = Decimal(0)
        colour = alerts.indicator_colour(
            indicator.operator,
            months,
            target=indicator.target_value,
            actual=actual,
            likelihood=likelihood,
            band=band,
            thresholds=pace["indicator"],
        )
        call.session.add(
            MonitoringRow(
                report_id=report.id,
                indicator_id=indicator.id,
                actual_to_date=actual.quantize(Decimal("0.0001")) if actual is not None else None,
                qualitative_band=band,
                likelihood=likelihood,
                deviation_reason=row.get("reason"),
                deviation_note=row.get("note"),
            )
        )
        _alert(call, report, indicator.id, AlertKind.INDICATOR, colour, None)
        colours.append(colour)
    project_colour = alerts.worst(colours)
    _alert(call, report, None, AlertKind.PROJECT, project_colour, None)
    call.session.flush()
    due = deadline_after_working_days(call.now, int(settings["response_working_days"]))
    return {
        "response_due": due.isoformat(),
        "project": project_colour.value,
        "budget": colours[0].value,
        "execution_rate": str(rate.quantize(Decimal("0.0001"))),
    }


def _alert(call, report, indicator_id, kind: AlertKind, colour: Colour, ratio) -> None:
    call.session.add(
        Alert(
            task_id=report.task_id,
            project_id=report.project_id,
            report_id=report.id,
            indicator_id=indicator_id,
            kind=kind,
            colour=colour,
            raised_at=call.now,
            ratio=ratio.quantize(Decimal("0.0001")) if ratio is not None else None,
        )
    )


def suspend_disbursement(call: ServiceCall) -> dict:
    """A red alert went unanswered: stop paying out until it is dealt with."""
    project = project_of(call)
    project.disbursement_suspended = True
    call.session.flush()
    return {"suspended": True}


def record_alert_response(call: ServiceCall) -> dict:
    """Keep the unit's explanation and chosen course on its project's red alert."""
    project = project_of(call)
    alert = call.session.scalars(
        select(Alert)
        .where(
            Alert.project_id == project.id,
            Alert.kind == AlertKind.PROJECT,
            Alert.colour == Colour.RED,
        )
        .order_by(Alert.id.desc())
        .limit(1)
    ).first()
    course = Course(call.require("course"))
    if alert is not None:
        alert.response_course = course
        alert.response_text = (call.data.get("explanation") or "").strip() or None
        alert.responded_at = call.now
        call.session.flush()
    return {"alert_id": alert.id if alert else None, "course": course.value}


def register(registry: OperationRegistry) -> None:
    registry.register("compute_alerts", compute_alerts)
    registry.register("suspend_disbursement", suspend_disbursement)
    registry.register("record_alert_response", record_alert_response)
