"""The department's filing form (填报部门整体绩效目标): duties, the year's goal, basic
expenditure, key work tasks and indicators on the department frame, with the weight each
level-1 item must total beside the running totals.

The form opens with what is stored (after a return: the table as filed, and finance's comment);
after a refusal it shows what was posted, each problem next to its field. Rows left blank
(a row added and never filled) are not sent to the engine.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import request
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidInput
from engine.frame_map import branch_weights
from engine.models import DepartmentPlan
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.review.queries import last_returned
from engine.targets.editing import MAX_VALUE, MAX_WEIGHT, VALUE_PLACES, WEIGHT_PLACES
from web.department.posted import number_text, posted_rows
from web.department.views import plan_of_task
from web.formatting import plain
from web.review.task_forms import PageForm

STATEMENTS = ("duties", "goal")
TASK_FIELDS = ("name", "content", "amount")
INDICATOR_FIELDS = ("item", "name", "operator", "target", "unit", "weight", "basis")
# What a row must have typed to count as filled (the selects always hold a value).
TASK_TYPED = TASK_FIELDS
INDICATOR_TYPED = ("name", "target", "unit", "weight")


def _filled(rows: list[tuple[str, dict]], typed: tuple[str, ...]) -> list[tuple[str, dict]]:
    return [(key, row) for key, row in rows if any(row.get(name) for name in typed)]


def task_rows(posted: MultiDict) -> list[tuple[str, dict]]:
    return _filled(posted_rows(posted, "task", TASK_FIELDS), TASK_TYPED)


def indicator_rows(posted: MultiDict) -> list[tuple[str, dict]]:
    return _filled(posted_rows(posted, "ind", INDICATOR_FIELDS), INDICATOR_TYPED)


def _typed(row: dict, names: tuple[str, ...]) -> dict:
    """The fields typed (one left empty is missing, which the form schema names)."""
    return {name: row[name] for name in names if row.get(name)}


def _key_task(row: dict) -> dict:
    task = {**_typed(row, ("name",)), "content": row.get("content", "")}
    amount = number_text(row.get("amount"))
    if amount is not None:
        task["amount"] = amount
    return task


def _indicator(row: dict) -> dict:
    operator = row.get("operator", "")
    indicator = {
        **_typed(row, ("item", "name", "operator")),
        "unit": row.get("unit", ""),
        "basis": row.get("basis") or Basis.PLAN.value,
    }
    target = row.get("target", "")
    if operator == Operator.QUALITATIVE.value:
        indicator["target_text"] = target or None
    else:
        indicator["target"] = number_text(target)
    weight = number_text(row.get("weight"))
    if weight is not None:
        indicator["weight"] = weight
    return indicator


def _decimal(text) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def storage_problems(indicators: list[dict]) -> dict:
    """Weights and targets the table's columns cannot keep exactly (two and four decimals).

    The engine records the table without this check (engine/department/documents.py, unlike
    a project's table in engine/targets/editing.py): such a number would fail deep in the
    database write, so it is refused here, next to its field."""
    errors: dict = {}
    for index, row in enumerate(indicators):
        for name, places, limit in (
            ("weight", WEIGHT_PLACES, MAX_WEIGHT),
            ("target", VALUE_PLACES, MAX_VALUE),
        ):
            value = _decimal(row.get(name))
            if value is None:
                continue  # not a number: the form schema says so
            if abs(value) > limit:
                errors.setdefault(index, {})[name] = f"must not exceed {limit:,}"
            elif value != value.quantize(Decimal(1).scaleb(-places)):
                errors.setdefault(index, {})[name] = f"at most {places} decimal places"
    return errors


def parse_plan(posted: MultiDict) -> dict:
    """The posted table as the department_plan form takes it (blank rows left out)."""
    data = {
        **_typed({name: posted.get(name, "").strip() for name in ("duties", "goal")}, STATEMENTS),
        "key_tasks": [_key_task(row) for _key, row in task_rows(posted)],
        "indicators": [_indicator(row) for _key, row in indicator_rows(posted)],
    }
    budget = number_text(posted.get("basic_budget"))
    if budget is not None:
        data["basic_budget"] = budget
    problems = storage_problems(data["indicators"])
    if problems:
        index, fields = next(iter(problems.items()))
        field, why = next(iter(fields.items()))
        raise InvalidInput(
            f"the department's target table cannot be filed: indicators.{index}.{field}: {why}",
            errors={"indicators": problems},
            key="department_table_invalid",
            params={"field": f"indicators.{index}.{field}", "reason": why},
        )
    return data


def _stored_indicators(plan: DepartmentPlan) -> list[tuple[str, dict]]:
    rows = []
    for index, indicator in enumerate(plan.indicators):
        qualitative = indicator.operator is Operator.QUALITATIVE
        rows.append(
            (
                str(index),
                {
                    "item": indicator.node.code,
                    "name": indicator.name,
                    "operator": indicator.operator.value,
                    "target": (indicator.target_text or "")
                    if qualitative
                    else plain(indicator.target_value),
                    "unit": indicator.unit_of_measure,
                    "weight": plain(indicator.weight),
                    "basis": indicator.basis.value,
                },
            )
        )
    return rows


def _stored_tasks(plan: DepartmentPlan) -> list[tuple[str, dict]]:
    return [
        (
            str(index),
            {
                "name": str(task.get("name", "")),
                "content": str(task.get("content") or ""),
                "amount": plain(task.get("amount")),
            },
        )
        for index, task in enumerate(plan.key_tasks or [])
        if isinstance(task, dict)
    ]


def _weight(text: str | None) -> Decimal:
    try:
        value = Decimal(number_text(text) or "0")
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and abs(value) < 10**6 else Decimal(0)


def frame_groups(plan: DepartmentPlan, rows: list[tuple[str, dict]]) -> dict:
    """The frame's level-1 items with their level-2 items, what each must total for these
    rows (an empty cost item gives its points to output) and what the rows give it."""
    nodes = sorted(plan.frame.nodes, key=lambda n: (n.position, n.id))
    level1 = [n for n in nodes if n.level == 1 and not n.fixed_item]
    children = {n.id: [c for c in nodes if c.parent_id == n.id and c.level == 2] for n in level1}
    parent = {c.code: n.code for n in level1 for c in children[n.id]}
    got = {n.code: Decimal(0) for n in level1}
    for _key, row in rows:
        code = parent.get(row.get("item", ""))
        if code is not None:
            got[code] += _weight(row.get("weight"))
    expected = branch_weights(nodes, {code for code, total in got.items() if total})
    fixed = [n for n in nodes if n.level == 1 and n.fixed_item]
    return {
        "groups": [
            {
                "node": n,
                "children": children[n.id],
                "got": got[n.code],
                "expected": expected.get(n.code, Decimal(0)),
                "folds": next((m for m in level1 if m.code == n.folds_into), None),
            }
            for n in level1
        ],
        "fixed": fixed,
        "needed": plan.frame.total_points - sum((n.weight or 0 for n in fixed), Decimal(0)),
        "total": sum(got.values(), Decimal(0)),
    }


def returned_note(session, kind: str, document) -> object | None:
    """Finance's return of the document (who, when, the comment) while it is returned."""
    if document is None or document.status is not DocumentStatus.RETURNED:
        return None
    return last_returned(session, {"type": kind, "id": document.id})


def plan_context(session, task, _project) -> dict:
    plan = plan_of_task(session, task)
    if plan is None:
        return {"plan": None}
    # After a refusal the page shows what was posted; otherwise the table as stored.
    posted = request.form if request.method == "POST" else None
    if posted is not None:
        tasks, indicators = task_rows(posted), indicator_rows(posted)
        fields = {name: posted.get(name, "") for name in ("duties", "goal", "basic_budget")}
    else:
        tasks, indicators = _stored_tasks(plan), _stored_indicators(plan)
        fields = {
            "duties": plan.duties or "",
            "goal": plan.goal or "",
            "basic_budget": plain(plan.basic_budget),
        }
    return {
        "plan": plan,
        "fields": fields,
        "tasks": tasks,
        "indicators": indicators,
        "keys": {
            "key_tasks": [key for key, _ in tasks],
            "indicators": [key for key, _ in indicators],
        },
        "returned": returned_note(session, "department_plan", plan),
        "operators": list(Operator),
        "bases": list(Basis),
        **frame_groups(plan, indicators),
    }


PAGE_FORMS = {
    "department_plan": PageForm("forms/department_plan.html", parse_plan, plan_context),
}
