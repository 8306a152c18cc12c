"""The department's mid-year monitoring form and the two evaluation forms (its self-evaluation,
finance's evaluation), on the task page.

Monitoring shows what the department's projects have executed to date (rolled up from their
Jan–Jul reports) beside its basic expenditure, and asks the basic expenditure executed and each
indicator's progress. An evaluation shows each indicator with its target and asks its actual
value (a band and a percentage for a qualitative one) and the reason for any shortfall; finance's
form shows the department's own self-evaluation beside each row.
"""

from __future__ import annotations

from decimal import Decimal

from flask import request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import policy
from engine.department import rollup
from engine.models import DepartmentEvaluation, DepartmentMonitoring, FiscalYear
from engine.models.enums import Likelihood, QualitativeBand
from web.department.plan_form import returned_note
from web.department.posted import number_text, posted_rows
from web.department.views import indicator_lines, plan_of_task
from web.formatting import plain
from web.percent_input import refuse_shares_out_of_range, share
from web.review.task_forms import PageForm

PROGRESS_FIELDS = ("actual", "band", "likelihood", "reason")
SCORE_FIELDS = ("actual", "band", "band_pct", "reason")
EVALUATION_KINDS = {
    "department_self_evaluation": "self",
    "department_finance_evaluation": "finance",
}


def _by_indicator(posted: MultiDict, prefix: str, fields: tuple[str, ...]):
    """The posted rows named by an indicator id (anything else is not a row of the form)."""
    for key, row in posted_rows(posted, prefix, fields):
        if key.isdigit() and len(key) <= 12:
            yield int(key), row


def parse_monitoring(posted: MultiDict) -> dict:
    data: dict = {"rows": [], "comment": posted.get("comment", "").strip()}
    executed = number_text(posted.get("basic_executed"))
    if executed is not None:
        data["basic_executed"] = executed
    for indicator_id, row in _by_indicator(posted, "rows", PROGRESS_FIELDS):
        entry = {
            "indicator_id": indicator_id,
            "actual": number_text(row.get("actual")),
            "band": row.get("band") or None,
            "reason": row.get("reason") or None,
        }
        if row.get("likelihood"):
            entry["likelihood"] = row["likelihood"]
        data["rows"].append(entry)
    return data


def parse_evaluation(posted: MultiDict) -> dict:
    data: dict = {"scores": [], "summary": posted.get("summary", "").strip()}
    executed = number_text(posted.get("basic_executed"))
    if executed is not None:
        data["basic_executed"] = executed
    for indicator_id, row in _by_indicator(posted, "scores", SCORE_FIELDS):
        entry: dict = {"indicator_id": indicator_id}
        actual = number_text(row.get("actual"))
        if actual is not None:
            entry["actual"] = actual
        if row.get("band"):
            entry["band"] = row["band"]
        percent = number_text(row.get("band_pct"))
        if percent is not None:
            entry["band_pct"] = share(percent)
        if row.get("reason"):
            entry["reason"] = row["reason"]
        data["scores"].append(entry)
    refuse_shares_out_of_range(data["scores"])
    return data


def _posted() -> MultiDict | None:
    """What was posted, when the page is shown again after a refusal."""
    return request.form if request.method == "POST" else None


def _stored_progress(report: DepartmentMonitoring | None) -> dict:
    if report is None or report.basic_executed is None:
        return {}
    values = {"basic_executed": plain(report.basic_executed), "comment": ""}
    for row in report.rows or []:
        prefix = f"rows-{row.get('indicator_id')}-"
        for name in PROGRESS_FIELDS:
            values[prefix + name] = plain(row.get(name)) if name == "actual" else row.get(name)
    return values


def monitoring_context(session, task, _project) -> dict:
    plan = plan_of_task(session, task)
    if plan is None:
        return {"plan": None}
    report = session.scalars(
        select(DepartmentMonitoring).where(DepartmentMonitoring.plan_id == plan.id)
    ).first()
    lines = indicator_lines(plan)
    return {
        "plan": plan,
        "report": report,
        "projects": rollup.mid_year(session, plan.org_id, plan.fiscal_year_id),
        "lines": lines,
        "typed": _posted() or _stored_progress(report),
        "keys": {"rows": [str(line.indicator.id) for line in lines]},
        "returned": returned_note(session, "department_monitoring", report),
        "bands": list(QualitativeBand),
        "likelihoods": list(Likelihood),
    }


def _score_values(evaluation: DepartmentEvaluation | None) -> dict:
    """A stored evaluation as the form's fields (after a return it opens as it was sent)."""
    if evaluation is None or evaluation.total_score is None:
        return {}
    executed = (evaluation.executed or Decimal(0)) - (evaluation.project_executed or Decimal(0))
    values = {"basic_executed": plain(executed), "summary": evaluation.summary or ""}
    for row in evaluation.scores or []:
        if row.get("key") == "execution":
            continue
        prefix = f"scores-{row.get('key')}-"
        values[prefix + "actual"] = plain(row.get("actual"))
        values[prefix + "band"] = row.get("band") or ""
        share = row.get("band_pct")
        values[prefix + "band_pct"] = plain(Decimal(share) * 100) if share else ""
        values[prefix + "reason"] = row.get("reason") or ""
    return values


def _evaluation(session, plan_id: int, kind: str) -> DepartmentEvaluation | None:
    return session.scalars(
        select(DepartmentEvaluation).where(
            DepartmentEvaluation.plan_id == plan_id, DepartmentEvaluation.kind == kind
        )
    ).first()


def evaluation_context(session, task, _project) -> dict:
    plan = plan_of_task(session, task)
    kind = EVALUATION_KINDS.get(task.form or "", "self")
    if plan is None:
        return {"plan": None}
    evaluation = _evaluation(session, plan.id, kind)
    year = session.get(FiscalYear, plan.fiscal_year_id)
    settings = policy.setting(session, "scoring", year.region_code, year.year)
    own = _evaluation(session, plan.id, "self") if kind == "finance" else None
    lines = indicator_lines(plan)
    return {
        "plan": plan,
        "kind": kind,
        "evaluation": evaluation,
        "projects": rollup.year_end(session, plan.org_id, plan.fiscal_year_id),
        "lines": lines,
        "typed": _posted() or _score_values(evaluation),
        "keys": {"scores": [str(line.indicator.id) for line in lines]},
        "returned": returned_note(session, task.form, evaluation),
        "bands": settings["qualitative_bands"],
        "execution": next((n for n in plan.frame.nodes if n.fixed_item == "execution"), None),
        "self_evaluation": own,
        "self_scores": {str(row.get("key")): row for row in (own.scores or [])} if own else {},
    }


PAGE_FORMS = {
    "department_monitoring": PageForm(
        "forms/department_monitoring.html", parse_monitoring, monitoring_context
    ),
    "department_self_evaluation": PageForm(
        "forms/department_evaluation.html", parse_evaluation, evaluation_context
    ),
    "department_finance_evaluation": PageForm(
        "forms/department_evaluation.html", parse_evaluation, evaluation_context
    ),
}
