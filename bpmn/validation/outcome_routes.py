"""A human task's form and where its outcomes go: the form must be registered, and each outcome
it allows must take a path of its own through the gateway after the task."""

from __future__ import annotations

import ast

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway

from bpmn import expressions
from bpmn.errors import ExpressionFailed, UnsafeExpression
from bpmn.validation.file_check import FileCheck


def check_form(check: FileCheck, task_spec, element: str, name: str | None) -> None:
    """The form `name` a human task names must be registered, and each outcome it allows must
    have its own path."""
    if check.forms is None or not name:
        return
    if name not in check.forms:
        forms = ", ".join(sorted(check.forms))
        check.error(
            element,
            f"form '{name}' is not registered, so the task would accept any data, even "
            f"process variables: use a registered form ({forms})",
            "unknown_form",
            form=name,
            forms=forms,
        )
        return
    outcomes = check.forms[name]
    if len(outcomes) < 2:
        return
    routes, gateway, unknown, data_routed = _routes(task_spec, outcomes)
    for outcome in outcomes:
        if not routes[outcome] and not unknown and not data_routed:
            check.error(
                element,
                f"outcome '{outcome}' of form '{name}' reaches no path: no flow out of "
                f"gateway '{gateway}' has a condition that holds for it and the gateway has "
                f"no default flow; add a flow with the condition outcome == '{outcome}' or "
                "make one flow the default",
                "outcome_unrouted",
                outcome=outcome,
                form=name,
                gateway=gateway,
            )
    if unknown or len({routes[outcome] for outcome in outcomes}) > 1:
        return
    first, *others = outcomes
    for outcome in others:
        if not routes[outcome]:
            continue
        target = ", ".join(routes[outcome])
        check.error(
            element,
            f"outcome '{outcome}' of form '{name}' takes the same path as '{first}' "
            f"(on to '{target}'), so choosing it changes nothing: put an exclusive gateway "
            f"after the task with a flow whose condition is outcome == '{outcome}' (for a "
            "review, back to the unit, as the shipped review levels do)",
            "outcome_ignored",
            outcome=outcome,
            first=first,
            form=name,
            target=target,
        )


def _routes(task_spec, outcomes) -> tuple[dict[str, tuple[str, ...]], str | None, bool, bool]:
    """Where each outcome goes after the task: the flows taken, the gateway, whether a condition
    on the outcome also depends on other data (then the routes cannot be told before the task
    runs), and whether some condition ignores the outcome (it may route any outcome alike)."""
    outputs = list(task_spec.outputs)
    # A task with boundary events leaves through the join the library adds after it.
    while len(outputs) == 1 and isinstance(outputs[0], BoundaryEventJoin):
        outputs = list(outputs[0].outputs)
    if len(outputs) != 1 or not isinstance(outputs[0], ExclusiveGateway | InclusiveGateway):
        targets = tuple(sorted(_id_of(output) for output in outputs))
        return {outcome: targets for outcome in outcomes}, None, False, False
    gateway = outputs[0]
    specs = gateway._wf_spec.task_specs
    unknown = data_routed = False
    routes = {}
    for outcome in outcomes:
        taken = []
        for condition, target in gateway.cond_task_specs:
            if condition is None:
                if target != gateway.default_task_spec:
                    taken.append(target)
                continue
            text = str(condition.args[0])
            if "outcome" not in _names(text):
                # Routes every outcome alike: it cannot tell a return from an approval.
                data_routed = True
                continue
            try:
                holds = expressions.evaluate(text, {"outcome": outcome})
            except (ExpressionFailed, UnsafeExpression):
                unknown = True
                continue
            if holds:
                taken.append(target)
        if isinstance(gateway, ExclusiveGateway):
            taken = taken[:1]
        if not taken and gateway.default_task_spec:
            taken = [gateway.default_task_spec]
        routes[outcome] = tuple(_id_of(specs[name]) if name in specs else name for name in taken)
    return routes, _id_of(gateway), unknown, data_routed


def _names(text: str) -> set[str]:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return {"outcome"}  # unreadable: reported as unsafe elsewhere; do not guess here
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _id_of(task_spec) -> str:
    name = getattr(task_spec, "bpmn_id", None) or task_spec.name
    return name.removesuffix(".BoundaryEventSplit")
