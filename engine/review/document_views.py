"""A document under review as plain data, and what changed between two versions of it.

A reviewer has to see what they approve: the target table (indicators by frame level, with
values and weights), the monitoring report, the self-evaluation, the adjustment request. A
*snapshot* is the document as JSON-ready data — fields and rows of text, never objects — so that
the same shape is shown on the task page, served by the API, stored in the audit log when a
reviewer returns the document, and compared with the document as it is now.

Shape: {"type", "id", "status", "fields": {name: value}, "columns": [name, …],
"rows": [{"key": identity, name: value, …}]}. A value is text; a frame level's name is
{"zh-CN": …, "en": …} so either language can show it. Codes (operators, likelihoods, reasons)
stay codes; the pages translate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import (
    BudgetAdjustment,
    DepartmentEvaluation,
    DepartmentIndicator,
    DepartmentMonitoring,
    DepartmentPlan,
    Evaluation,
    ExAnteAssessment,
    FrameNode,
    Indicator,
    MonitoringReport,
    TargetTable,
)

# Rows beyond this are not shown or kept (a real target table has a few dozen indicators).
MAX_ROWS = 500


def plain(value) -> str:
    """Text of a value, numbers without exponent or trailing zeros (2E+2 → 200)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    return str(getattr(value, "value", value))


def _names(node: FrameNode | None) -> dict:
    if node is None:
        return {"zh-CN": "", "en": ""}
    return {"zh-CN": node.name_zh, "en": node.name_en}


def _nodes(session: Session, frame_id: int) -> dict[int, FrameNode]:
    return {
        node.id: node
        for node in session.scalars(select(FrameNode).where(FrameNode.frame_id == frame_id))
    }


def _levels(nodes: dict[int, FrameNode], node_id: int | None) -> tuple[dict, dict]:
    node = nodes.get(node_id) if node_id is not None else None
    parent = nodes.get(node.parent_id) if node is not None and node.parent_id else None
    return _names(parent), _names(node)


INDICATOR_COLUMNS = ["level1", "level2", "name", "operator", "target", "unit", "weight", "basis"]


def _indicator_rows(session: Session, frame_id: int, indicators) -> list[dict]:
    """A table's indicators (a project's or a department's) by frame level, as rows."""
    nodes = _nodes(session, frame_id)
    rows = []
    for indicator in indicators[:MAX_ROWS]:
        level1, level2 = _levels(nodes, indicator.node_id)
        rows.append(
            {
                "key": f"{indicator.node_id}:{indicator.name}",
                "level1": level1,
                "level2": level2,
                "name": indicator.name,
                "operator": plain(indicator.operator),
                "target": plain(indicator.target_value)
                if indicator.target_value is not None
                else plain(indicator.target_text),
                "unit": indicator.unit_of_measure,
                "weight": plain(indicator.weight),
                "basis": plain(indicator.basis),
            }
        )
    return rows


def _target_table(session: Session, table: TargetTable) -> dict:
    return {
        "fields": {"goal": table.goal, "revision": plain(table.revision)},
        "columns": INDICATOR_COLUMNS,
        "rows": _indicator_rows(session, table.frame_id, table.indicators),
    }


def _monitoring_report(session: Session, report: MonitoringReport) -> dict:
    indicators = {
        i.id: i
        for i in session.scalars(
            select(Indicator).where(Indicator.id.in_([row.indicator_id for row in report.rows]))
        )
    }
    rows = []
    for row in sorted(report.rows, key=lambda r: r.indicator_id)[:MAX_ROWS]:
        indicator = indicators.get(row.indicator_id)
        rows.append(
            {
                "key": str(row.indicator_id),
                "name": indicator.name if indicator else str(row.indicator_id),
                "target": plain(indicator.target_value if indicator else None)
                or plain(indicator.target_text if indicator else None),
                "unit": indicator.unit_of_measure if indicator else "",
                "actual": plain(row.actual_to_date) or plain(row.qualitative_band),
                "likelihood": plain(row.likelihood),
                "reason": plain(row.deviation_reason),
                "note": row.deviation_note or "",
            }
        )
    rate = (
        plain((report.executed_to_date * 100 / report.budget).quantize(Decimal("0.1")))
        if report.budget
        else ""
    )
    return {
        "fields": {
            "budget": plain(report.budget),
            "executed": plain(report.executed_to_date),
            "execution_rate": rate,
        },
        "columns": ["name", "target", "unit", "actual", "likelihood", "reason", "note"],
        "rows": rows,
    }


def _evaluation(session: Session, evaluation: Evaluation) -> dict:
    nodes = _nodes(session, evaluation.frame_id)
    ids = [score.indicator_id for score in evaluation.scores if score.indicator_id]
    indicators = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.id.in_(ids)))}
    rows = []
    for score in sorted(evaluation.scores, key=lambda s: s.id)[:MAX_ROWS]:
        indicator = indicators.get(score.indicator_id)
        node = nodes.get(score.node_id if score.node_id else indicator.node_id if indicator else -1)
        rows.append(
            {
                "key": f"i{score.indicator_id}" if score.indicator_id else f"n{score.node_id}",
                "level2": _names(node),
                "name": indicator.name if indicator else "",
                "weight": plain(score.weight),
                "target": plain(score.target),
                "unit": indicator.unit_of_measure if indicator else "",
                "actual": plain(score.actual) or plain(score.band),
                "score": plain(score.score),
                "note": score.deviation_note or "",
            }
        )
    return {
        "fields": {
            "total": plain(evaluation.total_score),
            "grade": evaluation.grade or "",
            "summary": evaluation.summary or "",
        },
        "columns": ["level2", "name", "weight", "target", "unit", "actual", "score", "note"],
        "rows": rows,
    }


def _adjustment(_session: Session, adjustment: BudgetAdjustment) -> dict:
    return {
        "fields": {
            "course": adjustment.course,
            "amount_change": plain(adjustment.amount_change),
            "reason": adjustment.reason or "",
        },
        "columns": [],
        "rows": [],
    }


def _ex_ante(session: Session, assessment: ExAnteAssessment) -> dict:
    """The unit's statements and, once assessed, the points per item and the conclusion."""
    proposal = assessment.proposal or {}
    nodes = {n.code: n for n in _nodes(session, assessment.frame_id).values()}
    return {
        "fields": {
            "requested_amount": plain(assessment.request_assessed),
            **{f"ex_ante.{name}": str(text) for name, text in proposal.items()},
            "conclusion": assessment.conclusion or "",
            "total": plain(assessment.total_score),
            "recommended_amount": plain(assessment.recommended_amount),
            "opinion": assessment.opinion or "",
        },
        "columns": ["level2", "weight", "score"],
        "rows": [
            {
                "key": code,
                "level2": _names(nodes.get(code)),
                "weight": plain(nodes[code].weight) if code in nodes else "",
                "score": str(points),
            }
            for code, points in (assessment.scores or {}).items()
        ][:MAX_ROWS],
    }


def _department_plan(session: Session, plan: DepartmentPlan) -> dict:
    """The department's duties, goal, key tasks and indicators (部门整体绩效目标表)."""
    tasks = "\n".join(
        f"{task['name']}：{task['content']}（{task['amount']} 元）"
        if task.get("content")
        else f"{task['name']}（{task['amount']} 元）"
        for task in (plan.key_tasks or [])[:MAX_ROWS]
    )
    return {
        "fields": {
            "duties": plan.duties or "",
            "goal": plan.goal or "",
            "basic_budget": plain(plan.basic_budget),
            "key_tasks": tasks,
        },
        "columns": INDICATOR_COLUMNS,
        "rows": _indicator_rows(session, plan.frame_id, plan.indicators),
    }


def _department_indicators(session: Session, plan_id: int) -> dict[int, DepartmentIndicator]:
    return {
        i.id: i
        for i in session.scalars(
            select(DepartmentIndicator).where(DepartmentIndicator.plan_id == plan_id)
        )
    }


def _department_monitoring(session: Session, report: DepartmentMonitoring) -> dict:
    """Execution rolled up (projects and basic expenditure), each indicator's progress."""
    indicators = _department_indicators(session, report.plan_id)
    rows = []
    for row in (report.rows or [])[:MAX_ROWS]:
        indicator = indicators.get(row.get("indicator_id"))
        rows.append(
            {
                "key": str(row.get("indicator_id")),
                "name": indicator.name if indicator else str(row.get("indicator_id")),
                "target": plain(indicator.target_value if indicator else None)
                or plain(indicator.target_text if indicator else None),
                "unit": indicator.unit_of_measure if indicator else "",
                "actual": plain(row.get("actual")) or plain(row.get("band")),
                "likelihood": plain(row.get("likelihood")),
                "colour": plain(row.get("colour")),
                "note": plain(row.get("reason")),
            }
        )
    rate = report.execution_rate
    return {
        "fields": {
            "project_budget": plain(report.project_budget),
            "project_executed": plain(report.project_executed),
            "projects_reported": plain(report.projects),
            "basic_budget": plain(report.basic_budget),
            "basic_executed": plain(report.basic_executed),
            "execution_rate": "" if rate is None else plain((rate * 100).quantize(Decimal("0.1"))),
            "colour": report.colour or "",
        },
        "columns": ["name", "target", "unit", "actual", "likelihood", "colour", "note"],
        "rows": rows,
    }


def _department_evaluation(session: Session, evaluation: DepartmentEvaluation) -> dict:
    """Budget execution and each indicator scored, the total and the grade."""
    rows = [
        {
            "key": str(row.get("key")),
            "name": plain(row.get("name")),
            "weight": plain(row.get("weight")),
            "target": plain(row.get("target")),
            "actual": plain(row.get("actual")) or plain(row.get("band")),
            "score": plain(row.get("score")),
            "note": plain(row.get("reason")),
        }
        for row in (evaluation.scores or [])[:MAX_ROWS]
    ]
    return {
        "fields": {
            "kind": evaluation.kind,
            "budget": plain(evaluation.budget),
            "executed": plain(evaluation.executed),
            "total": plain(evaluation.total_score),
            "grade": evaluation.grade or "",
            "summary": evaluation.summary or "",
        },
        "columns": ["name", "weight", "target", "actual", "score", "note"],
        "rows": rows,
    }


BUILDERS = {
    TargetTable: _target_table,
    MonitoringReport: _monitoring_report,
    Evaluation: _evaluation,
    BudgetAdjustment: _adjustment,
    ExAnteAssessment: _ex_ante,
    DepartmentPlan: _department_plan,
    DepartmentMonitoring: _department_monitoring,
    DepartmentEvaluation: _department_evaluation,
}


def snapshot(session: Session, kind: str, row) -> dict:
    """The document `row` (of document type `kind`) as plain data."""
    body = BUILDERS[type(row)](session, row)
    return {"type": kind, "id": row.id, "status": plain(row.status), **body}


@dataclass
class Changes:
    """What differs between an earlier snapshot and a later one of the same document."""

    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, before, after
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    # Rows present in both: the later row, and {column: earlier value} for what changed.
    changed: list[tuple[dict, dict]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.fields or self.added or self.removed or self.changed)

    def as_dict(self) -> dict:
        return {
            "fields": [{"name": n, "before": b, "after": a} for n, b, a in self.fields],
            "added": self.added,
            "removed": self.removed,
            "changed": [{"row": row, "before": before} for row, before in self.changed],
        }


def changes(before: dict, after: dict) -> Changes:
    """Fields and rows (matched by their key) that differ from `before` to `after`."""
    result = Changes()
    old_fields, new_fields = before.get("fields") or {}, after.get("fields") or {}
    for name, value in new_fields.items():
        if name in old_fields and old_fields[name] != value:
            result.fields.append((name, str(old_fields[name]), str(value)))
    old_rows = {row.get("key"): row for row in before.get("rows") or []}
    new_rows = {row.get("key"): row for row in after.get("rows") or []}
    columns = after.get("columns") or []
    for key, row in new_rows.items():
        if key not in old_rows:
            result.added.append(row)
            continue
        differs = {c: old_rows[key].get(c) for c in columns if old_rows[key].get(c) != row.get(c)}
        if differs:
            result.changed.append((row, differs))
    result.removed = [row for key, row in old_rows.items() if key not in new_rows]
    return result
