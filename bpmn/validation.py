"""Check parsed definitions before they are stored: roles, operations, expressions, timers, DMN."""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import ManualTaskMixin, UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin

from bpmn import decisions, dmn_overlap, expressions, juel
from bpmn.catalogue import Catalogue, ParsedFile, resolve_called
from bpmn.errors import BpmnError, DefinitionError, ExpressionFailed, UnsafeExpression, detail_of
from bpmn.timers import KIND_OF, TimerOutOfBounds, check_iso8601

SUPPORTED_HIT_POLICIES = ("UNIQUE", "COLLECT")
# Ids and names are stored in the work queue and the definition table; longer ones cannot be.
MAX_ID_LENGTH = 100
MAX_NAME_LENGTH = 200


def _properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties") or {}


def role_of(task_spec) -> str | None:
    """A human task's role: its `role` property, else its lane."""
    return _properties(task_spec).get("role") or getattr(task_spec, "lane", None)


class FileChecker:
    """Collect every problem of one file as DefinitionErrors (file, element, reason)."""

    def __init__(
        self,
        catalogue: Catalogue,
        parsed: ParsedFile,
        roles: Collection[str],
        operations: Collection[str],
        available: Collection[str],
        forms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        # Registered form → the outcomes its `outcome` field allows (None: forms not checked).
        self.forms = forms
        self.parsed = parsed
        self.roles = roles
        self.operations = operations
        self.available = available
        self.errors: list[DefinitionError] = []

    def error(self, element: str | None, reason: str, code: str | None = None, **params) -> None:
        self.errors.append(DefinitionError(self.parsed.source.name, element, reason, code, params))

    def check(self) -> list[DefinitionError]:
        if self.parsed.kind == "dmn":
            for decision_id in self.parsed.decisions:
                self._guard(decision_id, lambda d=decision_id: self._decision(d))
            return self.errors
        for element in self.parsed.reserved_ids:
            self.error(
                element,
                "this id is reserved by the workflow engine; rename the element",
                "reserved_id",
            )
        if len(self.parsed.source.name) > MAX_NAME_LENGTH:
            self.error(
                None,
                f"the file name is longer than {MAX_NAME_LENGTH} characters; shorten it",
                "file_name_too_long",
                max=MAX_NAME_LENGTH,
            )
        for element in self.parsed.provides:
            if len(element) > MAX_ID_LENGTH:
                self.error(
                    element[:40] + "…",
                    f"the id is longer than {MAX_ID_LENGTH} characters; shorten it",
                    "id_too_long",
                    max=MAX_ID_LENGTH,
                )
        for process_id in self.parsed.processes:
            try:
                self.catalogue.bundle_specs(process_id, self.available)
                spec = self.catalogue.spec(process_id)
            except DefinitionError as error:
                if error.code == "no_operation":
                    self._no_operation(error.element)
                else:
                    self.errors.append(error)
                continue
            except Exception as error:  # the library raises plain exceptions on odd input
                detail = f"{type(error).__name__}: {error}"
                self.error(process_id, f"cannot be parsed: {detail}", "library", detail=detail)
                continue
            self._guard(process_id, lambda p=process_id: self._cycles(p))
            for task_spec in spec.task_specs.values():
                element = getattr(task_spec, "bpmn_id", None)
                if element and len(element) > MAX_ID_LENGTH:
                    self.error(
                        element[:40] + "…", f"the id is longer than {MAX_ID_LENGTH} characters"
                    )
                elif element:
                    self._guard(element, lambda t=task_spec, e=element: self._task(t, e))
        return self.errors

    def _guard(self, element, check) -> None:
        try:
            check()
        except DefinitionError as error:
            self.errors.append(error)
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            self.error(element, f"cannot be checked: {detail}", "library", detail=detail)

    def _expression(self, element: str, what: str, source) -> None:
        if source is None or source == "":
            return
        text = str(source)
        if juel.is_juel(text):
            suggestion = juel.suggest(text)
            self.error(
                element,
                f"{what} {text[:80]!r} is a JUEL expression (${{…}}, as Camunda, Flowable and "
                "Activiti write them), which is not allowed here: write it in the safe "
                f"grammar without ${{ }}, e.g. {suggestion or 'amount > 100 and approved'}",
                "juel",
                what=what,
                source=text[:80],
                suggestion=suggestion or "amount > 100 and approved",
            )
            return
        try:
            expressions.check_expression(text)
        except UnsafeExpression as error:
            self.error(
                element,
                f"{what} {text[:80]!r}: {error.reason}",
                "unsafe_expression",
                what=what,
                source=text[:80],
                detail=error.reason,
                **detail_of(error.reason),
            )

    def _script(self, element: str, what: str, source) -> None:
        if not source:
            return
        try:
            expressions.check_script(str(source))
        except UnsafeExpression as error:
            self.error(
                element,
                f"{what}: {error.reason}",
                "unsafe_script",
                what=what,
                detail=error.reason,
                **detail_of(error.reason),
            )

    def _task(self, task_spec, element: str) -> None:
        # A plain bpmn:task is no problem: it passes through when reached (bpmn/pass_through.py).
        if isinstance(task_spec, UserTaskMixin | ManualTaskMixin):
            roles = ", ".join(sorted(self.roles))
            role = role_of(task_spec)
            if not role:
                self.error(
                    element,
                    f"user task has no role: add a 'role' property ({roles}) or put it in a "
                    "lane named after the role (e.g. 主管部门, 财政业务处室)",
                    "no_role",
                    roles=roles,
                )
            elif role not in self.roles:
                self.error(
                    element,
                    f"unknown role '{role}'; roles are {roles} (lanes and candidate groups "
                    "may also use the labels 预算单位, 主管部门, 财政业务处室, 预算绩效管理处, "
                    "第三方机构)",
                    "unknown_role",
                    role=role,
                    roles=roles,
                )
            self._form(task_spec, element)
            org = _properties(task_spec).get("org")
            # The engine looks the task's organisation up under this name in the process data.
            if org is not None and not (org.isidentifier() and org.endswith("_org_id")):
                self.error(
                    element,
                    f"property 'org' must name a variable ending in _org_id: {org!r}",
                    "org_property",
                    org=org,
                )
        if isinstance(task_spec, ServiceTask):
            name = getattr(task_spec, "operation_name", None)
            operations = ", ".join(sorted(self.operations))
            if not name:
                self._no_operation(element)
            elif name not in self.operations:
                self.error(
                    element,
                    f"unknown service operation '{name}'; registered operations are {operations}",
                    "unknown_operation",
                    name=name,
                    operations=operations,
                )
            for param, spec in (getattr(task_spec, "operation_params", None) or {}).items():
                self._expression(element, f"parameter '{param}'", spec.get("value"))
        if isinstance(task_spec, ScriptTask):
            if not (task_spec.script or "").strip():
                self.error(
                    element,
                    "script task has no script, so it can never run: write its assignments "
                    "(e.g. approved = amount <= 1000) or remove the task",
                    "no_script",
                )
            self._script(element, "script", task_spec.script)
        for hook in ("prescript", "postscript"):
            self._script(element, hook, getattr(task_spec, hook, None))
        for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
            if condition is not None:
                self._expression(element, f"condition towards '{target}'", condition.args[0])
        if isinstance(task_spec, MultiInstanceTask):
            self._expression(element, "cardinality", task_spec.cardinality)
            self._expression(element, "completion condition", task_spec.condition)
        if isinstance(task_spec, StandardLoopTask):
            self._expression(element, "loop condition", task_spec.condition)
        if isinstance(task_spec, CallActivity):
            if self._resolve(task_spec.spec) is None:
                self.error(
                    element,
                    f"calls process '{task_spec.spec}', which is not deployed: deploy it first "
                    "or in the same deployment, or call a deployed process",
                    "call_missing",
                    called=task_spec.spec,
                )
        if isinstance(task_spec, BusinessRuleTaskMixin):
            self._table(element, task_spec.dmnEngine.decision_table)
        self._event(task_spec, element)

    def _no_operation(self, element: str | None) -> None:
        operations = ", ".join(sorted(self.operations))
        self.error(
            element,
            "service task has no operation, so it has nothing to run: name one of the "
            f"registered operations ({operations}) in its spiffworkflow:serviceTaskOperator",
            "no_operation",
            operations=operations,
        )

    def _form(self, task_spec, element: str) -> None:
        """A named form must be registered, and each outcome it allows must have its own path."""
        name = _properties(task_spec).get("form")
        if self.forms is None or not name:
            return
        if name not in self.forms:
            forms = ", ".join(sorted(self.forms))
            self.error(
                element,
                f"form '{name}' is not registered, so the task would accept any data, even "
                f"process variables: use a registered form ({forms})",
                "unknown_form",
                form=name,
                forms=forms,
            )
            return
        outcomes = self.forms[name]
        if len(outcomes) < 2:
            return
        routes, gateway, unknown, data_routed = _routes(task_spec, outcomes)
        for outcome in outcomes:
            if not routes[outcome] and not unknown and not data_routed:
                self.error(
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
            self.error(
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

    def _cycles(self, root: str) -> None:
        """Reject call activities that lead back to a process on their own call path."""

        def walk(process_id: str, path: tuple[str, ...]) -> None:
            for task_spec in self.catalogue.spec(process_id).task_specs.values():
                if not isinstance(task_spec, CallActivity):
                    continue
                target = self._resolve(task_spec.spec)
                if target is None:
                    continue
                if target in path:
                    self.error(
                        task_spec.bpmn_id,
                        f"calls '{task_spec.spec}', which leads back to '{target}': "
                        "recursive call activities never end; remove the call or call "
                        "another process",
                        "recursive_call",
                        called=task_spec.spec,
                        target=target,
                    )
                    continue
                walk(target, (*path, target))

        walk(root, (root,))

    def _resolve(self, name: str):
        return resolve_called(name, self.available)

    def _event(self, task_spec, element: str) -> None:
        definition = getattr(task_spec, "event_definition", None)
        definitions = (
            definition.event_definitions
            if isinstance(definition, MultipleEventDefinition)
            else [definition]
        )
        for item in definitions:
            kind = KIND_OF.get(type(item))
            if kind is not None:
                self._timer(element, kind, item.expression)
            elif isinstance(item, ConditionalEventDefinition):
                self._expression(element, "condition", item.expression)
            elif item is not None and isinstance(getattr(item, "expression", None), str):
                self._expression(element, "payload expression", item.expression)

    def _timer(self, element: str, kind: str, expression: str) -> None:
        try:
            expressions.check_expression(expression or "")
        except UnsafeExpression as error:
            self.error(
                element,
                f"timer expression {expression!r}: {error.reason}",
                "unsafe_expression",
                what="timer expression",
                source=expression,
                detail=error.reason,
                **detail_of(error.reason),
            )
            return
        tree = ast.parse(expression.strip(), mode="eval").body
        if isinstance(tree, ast.Constant):
            if not isinstance(tree.value, str):
                self.error(
                    element,
                    f"timer expression {expression!r} must be an ISO 8601 text in quotes, "
                    "e.g. 'P14D'",
                    "timer_not_text",
                    source=expression,
                )
                return
            try:
                check_iso8601(kind, tree.value)
            except TimerOutOfBounds as error:
                self.error(element, f"timer {error}", error.code, **error.params)
            except BpmnError as error:
                self.error(element, f"timer {error}", "timer_invalid", detail=str(error))

    def _decision(self, decision_id: str) -> None:
        decision = self.catalogue.decision(decision_id)
        for table in decision.decisionTables:
            self._table(decision_id, table)

    def _table(self, element: str, table) -> None:
        if table.hit_policy not in SUPPORTED_HIT_POLICIES:
            self.error(
                element,
                f"hit policy {table.hit_policy} is not supported (use UNIQUE or COLLECT)",
                "hit_policy",
                policy=table.hit_policy,
            )
        for column in table.inputs:
            self._expression(element, f"input '{column.label or column.id}'", column.expression)
        if len(table.rules) > dmn_overlap.MAX_RULES:
            self.error(
                element,
                f"the decision table has {len(table.rules)} rules, more than the maximum of "
                f"{dmn_overlap.MAX_RULES}; split it into several decisions",
                "too_many_rules",
                rules=len(table.rules),
                max=dmn_overlap.MAX_RULES,
            )
            return
        rows = []
        for rule in table.rules:
            cells = []
            for entry in rule.inputEntries:
                texts = [text for text in entry.lhs if text not in (None, "", "-")]
                cells.append(texts[0] if len(texts) == 1 else (None if not texts else "?"))
                for text in texts:
                    self._cell(element, rule, entry.input, text)
            rows.append(cells)
            for entry in rule.outputEntries:
                self._cell(element, rule, entry.output, entry.text, output=True)
        if table.hit_policy == "UNIQUE":
            columns = [column.label or column.expression or column.id for column in table.inputs]
            try:
                overlaps = dmn_overlap.find_overlaps(columns, rows)
            except dmn_overlap.TooManyComparisons as error:
                self.error(
                    element,
                    f"UNIQUE {error}",
                    "overlap_check_too_large",
                    rules=error.rules,
                    comparisons=error.comparisons,
                    max=error.maximum,
                )
                return
            for overlap in overlaps:
                code = "unique_overlap"
                if overlap.unknown:
                    code = "unique_overlap_unknown"
                elif not overlap.example:
                    code = "unique_overlap_any"
                self.error(
                    element,
                    f"UNIQUE rules overlap: {overlap.reason}",
                    code,
                    first=overlap.first,
                    second=overlap.second,
                    example=overlap.example,
                    cells=overlap.cells,
                    detail=overlap.unknown,
                    unknowns=[
                        {"column": u.column, "cell": u.cell, "code": u.code, "reason": u.reason}
                        for u in overlap.unknowns
                    ],
                )

    def _cell(self, element: str, rule, column, text, output: bool = False) -> None:
        # The same reading of a cell as the engine's (bpmn/decisions.py): FEEL, else Python-style.
        if output:
            problem = decisions.output_problem(text)
        else:
            problem = decisions.cell_problem(text, column.expression)
        if problem is None:
            return
        name = column.label or column.name or getattr(column, "expression", None) or column.id
        kind = "output" if output else "input"
        self.error(
            rule.id,
            f"decision table of '{element}', rule {rule.row_number}, {kind} column '{name}': "
            f"cell {str(text)[:80]!r} {problem.reason}",
            problem.code,
            decision=element,
            rule=rule.row_number,
            column=name,
            cell=str(text)[:80],
            **problem.params,
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


def check_file(
    catalogue: Catalogue,
    parsed: ParsedFile,
    *,
    roles: Collection[str],
    operations: Collection[str],
    available: Collection[str],
    forms: Mapping[str, tuple[str, ...]] | None = None,
) -> list[DefinitionError]:
    """Every problem of one parsed file (empty when it may be deployed).

    `forms` maps each registered form to the outcomes its `outcome` field allows; with it,
    user tasks must name a registered form (or none) and give each outcome a path of its own.
    """
    return FileChecker(catalogue, parsed, roles, operations, available, forms).check()
