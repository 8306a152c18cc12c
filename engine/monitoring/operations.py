"""Monitoring: alerts from a unit's report, and suspending disbursement."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine import policy
from engine.cycle.context import decimal, fiscal_year_of, project_of
from engine.errors import InvalidInput
from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow
from engine.models.enums import AlertKind, Colour, Course, Likelihood, Operator, QualitativeBand
from engine.monitoring.per_report import execution_rate, raise_report_alerts
from engine.review.documents import document_row
from engine.workdays import deadline_after_working_days, region_calendar, region_zone
from engine.workflow.operations import OperationRegistry, ServiceCall


def compute_alerts(call: ServiceCall) -> dict:
    """Record the report's figures and raise its alerts under the region's rule family."""
    report: MonitoringReport = document_row(call)
    project = project_of(call)
    year = fiscal_year_of(call, project)
    report.executed_to_date = decimal(call.require("executed_to_date"), "executed_to_date")
    if report.executed_to_date < 0 or report.executed_to_date > report.budget * 2:
        raise InvalidInput(
            "executed_to_date is outside 0 … twice the budget",
            errors={"executed_to_date": "out of range"},
        )
    rows = {row["indicator_id"]: row for row in call.data.get("rows", [])}
    indicators = (
        call.session.query(Indicator)
        .filter(Indicator.target_table_id == call.require("target_table_id"))
        .all()
    )
    for indicator in indicators:
        row = rows.get(indicator.id, {})
        band = QualitativeBand(row["band"]) if row.get("band") else None
        actual = decimal(row["actual"], "actual") if row.get("actual") is not None else None
        if indicator.operator is not Operator.QUALITATIVE and actual is None:
            actual = Decimal(0)
        call.session.add(
            MonitoringRow(
                report_id=report.id,
                indicator_id=indicator.id,
                actual_to_date=actual.quantize(Decimal("0.0001")) if actual is not None else None,
                qualitative_band=band,
                likelihood=Likelihood(row.get("likelihood", "possible")),
                deviation_reason=row.get("reason"),
                deviation_note=row.get("note"),
            )
        )
    call.session.flush()
    # The same rules as `budgetloop alerts compute`, read from the figures just stored.
    colours = raise_report_alerts(call.session, report, call.now)
    settings = policy.setting(call.session, "alerts", year.region_code, year.year)
    due = deadline_after_working_days(
        call.now,
        int(settings["response_working_days"]),
        region_zone(call.session, year),
        region_calendar(call.session, year),
    )
    return {
        "response_due": due.isoformat(),
        "project": colours.project.value,
        "budget": colours.budget.value,
        "execution_rate": str(execution_rate(report).quantize(Decimal("0.0001"))),
    }


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
