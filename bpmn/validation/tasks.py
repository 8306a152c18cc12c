"""Each task's own checks: a human task's role and organisation, a service task's operation,
a script task's script, and the expressions every kind of task may carry."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins import ManualTaskMixin, UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin

from bpmn.validation.calls import check_called
from bpmn.validation.decision_tables import check_table
from bpmn.validation.events import check_event
from bpmn.validation.file_check import FileCheck
from bpmn.validation.outcome_routes import check_form


def _properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties") or {}


def role_of(task_spec) -> str | None:
    """A human task's role: its `role` property, else its lane."""
    return _properties(task_spec).get("role") or getattr(task_spec, "lane", None)


def check_task(check: FileCheck, task_spec, element: str) -> None:
    # A plain bpmn:task is no problem: it passes through when reached (bpmn/pass_through.py).
    if isinstance(task_spec, UserTaskMixin | ManualTaskMixin):
        _human_task(check, task_spec, element)
    if isinstance(task_spec, ServiceTask):
        _service_task(check, task_spec, element)
    if isinstance(task_spec, ScriptTask):
        if not (task_spec.script or "").strip():
            check.error(
                element,
                "script task has no script, so it can never run: write its assignments "
                "(e.g. approved = amount <= 1000) or remove the task",
                "no_script",
            )
        check.script(element, "script", task_spec.script)
    for hook in ("prescript", "postscript"):
        check.script(element, hook, getattr(task_spec, hook, None))
    for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
        if condition is not None:
            check.expression(element, f"condition towards '{target}'", condition.args[0])
    if isinstance(task_spec, MultiInstanceTask):
        check.expression(element, "cardinality", task_spec.cardinality)
        check.expression(element, "completion condition", task_spec.condition)
    if isinstance(task_spec, StandardLoopTask):
        check.expression(element, "loop condition", task_spec.condition)
    if isinstance(task_spec, CallActivity):
        check_called(check, task_spec, element)
    if isinstance(task_spec, BusinessRuleTaskMixin):
        check_table(check, element, task_spec.dmnEngine.decision_table)
    check_event(check, task_spec, element)


def _human_task(check: FileCheck, task_spec, element: str) -> None:
    roles = ", ".join(sorted(check.roles))
    role = role_of(task_spec)
    if not role:
        check.error(
            element,
            f"user task has no role: add a 'role' property ({roles}) or put it in a "
            "lane named after the role (e.g. 主管部门, 财政业务处室)",
            "no_role",
            roles=roles,
        )
    elif role not in check.roles:
        check.error(
            element,
            f"unknown role '{role}'; roles are {roles} (lanes and candidate groups "
            "may also use the labels 预算单位, 主管部门, 财政业务处室, 预算绩效管理处, "
            "第三方机构)",
            "unknown_role",
            role=role,
            roles=roles,
        )
    check_form(check, task_spec, element, _properties(task_spec).get("form"))
    org = _properties(task_spec).get("org")
    # The engine looks the task's organisation up under this name in the process data.
    if org is not None and not (org.isidentifier() and org.endswith("_org_id")):
        check.error(
            element,
            f"property 'org' must name a variable ending in _org_id: {org!r}",
            "org_property",
            org=org,
        )


def _service_task(check: FileCheck, task_spec, element: str) -> None:
    name = getattr(task_spec, "operation_name", None)
    operations = ", ".join(sorted(check.operations))
    if not name:
        no_operation(check, element)
    elif name not in check.operations:
        check.error(
            element,
            f"unknown service operation '{name}'; registered operations are {operations}",
            "unknown_operation",
            name=name,
            operations=operations,
        )
    for param, spec in (getattr(task_spec, "operation_params", None) or {}).items():
        check.expression(element, f"parameter '{param}'", spec.get("value"))


def no_operation(check: FileCheck, element: str | None) -> None:
    operations = ", ".join(sorted(check.operations))
    check.error(
        element,
        "service task has no operation, so it has nothing to run: name one of the "
        f"registered operations ({operations}) in its spiffworkflow:serviceTaskOperator",
        "no_operation",
        operations=operations,
    )
