"""The department's mid-year monitoring: the execution rate of the whole department (its
projects rolled up, plus the basic expenditure it reports) against time elapsed, and each
overall indicator's progress, coloured by the same pace rule as a project's alerts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine import policy
from engine.department import rollup
from engine.department.documents import plan_of
from engine.errors import InvalidInput
from engine.models import DepartmentIndicator, DepartmentMonitoring, FiscalYear
from engine.models.enums import Likelihood, Operator, QualitativeBand
from engine.monitoring.pace import budget_colour, indicator_colour, worst
from engine.review.documents import document_row
from engine.workflow.operations import OperationRegistry, ServiceCall

CENT = Decimal("0.01")


def record_monitoring(call: ServiceCall) -> dict:
    """The department's report (the form just completed): projects rolled up again as they
    stand now, the basic expenditure it reports, each indicator's progress and colour."""
    report: DepartmentMonitoring = document_row(call)
    plan = plan_of(call)
    year = call.session.get(FiscalYear, plan.fiscal_year_id)
    pace = policy.setting(call.session, "alerts", year.region_code, year.year)["pace"]
    indicators = {
        indicator.id: indicator
        for indicator in call.session.scalars(
            select(DepartmentIndicator).where(DepartmentIndicator.plan_id == plan.id)
        )
    }
    given = {row["indicator_id"]: row for row in call.data.get("rows") or []}
    errors = {
        f"rows.{key}": "not an indicator of this table" for key in given if key not in indicators
    }
    errors |= {f"rows.{key}": "missing" for key in indicators if key not in given}
    rows, colours = [], []
    for key, indicator in indicators.items():
        entry = given.get(key)
        if entry is None:
            continue
        colour = _colour(indicator, entry, report.months_elapsed, pace["indicator"], errors)
        if colour is not None:
            colours.append(colour)
        rows.append(
            {
                "indicator_id": key,
                "actual": entry.get("actual"),
                "band": entry.get("band"),
                "likelihood": entry["likelihood"],
                "reason": entry.get("reason") or None,
                "colour": None if colour is None else colour.value,
            }
        )
    if errors:
        first, why = next(iter(errors.items()))
        raise InvalidInput(f"the department's monitoring report: {first}: {why}", errors=errors)
    projects = rollup.mid_year(call.session, plan.org_id, plan.fiscal_year_id)
    report.project_budget, report.project_executed = projects.budget, projects.executed
    report.projects = projects.reported
    report.basic_budget = plan.basic_budget or Decimal(0)
    report.basic_executed = Decimal(str(call.data["basic_executed"])).quantize(CENT)
    report.execution_rate = rollup.execution_rate(
        report.project_executed + report.basic_executed, report.project_budget + report.basic_budget
    )
    if report.execution_rate is not None:
        colours.append(budget_colour(report.execution_rate, report.months_elapsed, pace["budget"]))
    report.colour = worst(colours).value if colours else None
    report.rows = rows
    report.submitted_at = call.now
    call.session.flush()
    return {
        "monitoring_id": report.id,
        "execution_rate": None if report.execution_rate is None else str(report.execution_rate),
        "colour": report.colour,
    }


def _colour(indicator, entry, months, thresholds, errors):
    """The indicator's colour to date, or None (with the problem in `errors`)."""
    name = f"rows.{indicator.id}"
    likelihood = Likelihood(entry["likelihood"])
    if indicator.operator is Operator.QUALITATIVE:
        if entry.get("band") is None:
            errors[f"{name}.band"] = "required"
            return None
        band = QualitativeBand(entry["band"])
        return indicator_colour(indicator.operator, months, likelihood=likelihood, band=band)
    if entry.get("actual") is None:
        errors[f"{name}.actual"] = "required"
        return None
    return indicator_colour(
        indicator.operator,
        months,
        target=indicator.target_value,
        actual=Decimal(str(entry["actual"])),
        likelihood=likelihood,
        thresholds=thresholds,
    )


def register(registry: OperationRegistry) -> None:
    registry.register("record_department_monitoring", record_monitoring)
