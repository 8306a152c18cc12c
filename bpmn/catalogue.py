"""Definition files parsed together: process specs and decisions by id, and spec bundles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from bpmn import role_aliases
from bpmn.decision_specs import DecisionParser
from bpmn.errors import DefinitionError
from bpmn.timers import clocked
from bpmn.xml import BPMN_NS, Source, kind_of, read_xml

VARIANT_SEPARATOR = "__"
RESERVED_IDS = frozenset({"Start", "End", "Root"})


@dataclass(frozen=True)
class ParsedFile:
    """What one file provides and needs."""

    source: Source
    kind: str
    processes: tuple[str, ...]  # executable process ids, in document order
    decisions: tuple[str, ...]
    calls: frozenset[str] = field(default_factory=frozenset)
    # Element ids that collide with the task specs SpiffWorkflow creates itself.
    reserved_ids: tuple[str, ...] = ()
    decision_refs: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        """The id a file is versioned under: its first executable process or decision."""
        return (self.processes or self.decisions)[0]

    @property
    def provides(self) -> tuple[str, ...]:
        return self.processes + self.decisions


def resolve_called(name: str, available: Iterable[str]) -> str | None:
    """The process a call activity's `calledElement` runs: itself, or its base for a variant.

    `review__target_table` runs a deployed `review__target_table` if there is one, else `review`:
    a department can give one document type its own review chain by deploying that variant.
    """
    available = set(available)
    if name in available:
        return name
    if VARIANT_SEPARATOR in name:
        base = name.split(VARIANT_SEPARATOR, 1)[0]
        if base in available:
            return base
    return None


# Clark-notation namespaces ({http://…}tag) in the XSD's messages; not template text in an id
# such as Process_{{ ID:process }}, which has spaces and no scheme.
_NAMESPACE = re.compile(r"\{(?:https?|urn|file):[^{}\s]*\}")
_MULTIPLE_OUTGOING = "Multiple outgoing flows are not supported for tasks of type"
_DATA_ASSOCIATION = re.compile(r"^Cannot resolve data(Input|Output)Association\b")


def _wrap(
    error: ValidationException, fallback_file: str, root: etree._Element | None = None
) -> DefinitionError:
    # The library's task parser re-raises any error as its repr; ours already says it all.
    if isinstance(error.__context__, DefinitionError):
        return error.__context__
    reason = _NAMESPACE.sub("", str(error.args[0]) if error.args else str(error))
    line = getattr(error, "line_number", "")
    element = getattr(error, "id", "") or None
    explained = _explain(reason, error, element, fallback_file, root)
    if explained is not None:
        return explained
    if element is None and line and root is not None:
        # Schema errors carry only a line: name the element that stands on it.
        element = next(
            (
                node.get("id")
                for node in root.iter()
                if isinstance(node.tag, str) and node.sourceline == line and node.get("id")
            ),
            None,
        )
    if line:
        reason = f"{reason} (line {line})"
    return DefinitionError(
        error.file_name or fallback_file, element, reason, "library", {"detail": reason}
    )


def _explain(reason, error, element, fallback_file, root) -> DefinitionError | None:
    """The library's terse messages for constructs it refuses, said with what would fix them."""
    file = error.file_name or fallback_file
    if reason.startswith(_MULTIPLE_OUTGOING):
        kind = getattr(error, "tag", "") or "task"
        return DefinitionError(
            file,
            element,
            f"{kind} {element!r} has more than one outgoing sequence flow, which the engine "
            "cannot choose between: keep one outgoing flow and put an exclusive gateway after "
            "it whose flows carry the conditions (parallel paths: a parallel gateway)",
            "multiple_outgoing",
            {"kind": kind},
        )
    if reason.startswith("A Service Task must have an operator"):
        # The checker adds the registered operations (bpmn/validation.py knows them).
        return DefinitionError(
            file,
            element,
            "service task has no operation, so it has nothing to run: name a registered "
            "operation in its spiffworkflow:serviceTaskOperator",
            "no_operation",
        )
    match = _DATA_ASSOCIATION.match(reason)
    if match:
        direction = "Output" if match.group(1) == "Output" else "Input"
        ref = "targetRef" if direction == "Output" else "sourceRef"
        targets = []
        if root is not None and element:
            for node in root.iter():
                if isinstance(node.tag, str) and node.get("id") == element:
                    targets = [
                        (child.text or "").strip()
                        for child in node.iter(f"{{{BPMN_NS}}}{ref}")
                        if etree.QName(child.getparent()).localname == f"data{direction}Association"
                    ]
                    break
        target = ", ".join(t for t in targets if t) or "?"
        return DefinitionError(
            file,
            element,
            f"its data{direction}Association points to {target!r}, which is not a data "
            "object reference of this process: point it at a dataObjectReference in the same "
            "process, or remove the association (process variables need none)",
            "data_association",
            {"direction": direction, "target": target},
        )
    return None


class Catalogue:
    """A set of BPMN and DMN files parsed by one SpiffWorkflow parser, with XSD validation."""

    def __init__(
        self, sources: Iterable[Source], errors: list[DefinitionError] | None = None
    ) -> None:
        """Parse `sources`; with `errors`, collect every file's problem instead of raising."""
        self.parser = DecisionParser(validator=VALIDATOR)
        self.files: dict[str, ParsedFile] = {}
        self._specs: dict[str, object] = {}
        self._roots: dict[str, etree._Element] = {}
        # (file, element id) → the role its lane or candidate groups stand for.
        self._aliased_roles: dict[tuple[str, str], str] = {}
        read = []
        for source in sources:
            try:
                root = read_xml(source)
                read.append((kind_of(source, root), source, root))
            except DefinitionError as error:
                if errors is None:
                    raise
                errors.append(error)
        # Decisions first: business rule tasks look their decision up while being parsed.
        read.sort(key=lambda item: item[0] != "dmn")
        for kind, source, root in read:
            try:
                self._add(kind, source, root)
            except DefinitionError as error:
                if errors is None:
                    raise
                errors.append(error)

    def _add(self, kind: str, source: Source, root: etree._Element) -> None:
        try:
            if kind == "dmn":
                self._add_dmn(source, root)
                return
            for store in root.xpath(
                ".//bpmn:dataStore | .//bpmn:dataStoreReference", namespaces={"bpmn": BPMN_NS}
            ):
                raise DefinitionError(
                    source.name,
                    store.get("id"),
                    "data stores are not supported; keep data in process variables",
                    "data_store",
                )
            self.parser.add_bpmn_xml(root, filename=source.name)
        except ValidationException as error:
            raise _wrap(error, source.name, root) from None
        except DefinitionError:
            raise
        except Exception as error:  # the library fails on some inputs with plain exceptions
            detail = f"{type(error).__name__}: {error}"
            raise DefinitionError(
                source.name, None, f"cannot be parsed: {detail}", "library", {"detail": detail}
            ) from None
        namespaces = {"bpmn": BPMN_NS}
        all_processes = root.xpath("./bpmn:process", namespaces=namespaces)
        processes = tuple(
            node.get("id")
            for node in all_processes
            if node.get("isExecutable", "false").lower() == "true"
        )
        if not processes and all_processes:
            first = all_processes[0].get("id")
            raise DefinitionError(
                source.name,
                first,
                f"the file has no executable process: process {first!r} is not marked "
                'executable; set isExecutable="true" on it to deploy it',
                "not_executable",
                {"process": first},
            )
        if not processes:
            raise DefinitionError(
                source.name,
                None,
                "the file has no executable process (no bpmn:process at all, e.g. only a "
                'collaboration): add a process with isExecutable="true"',
                "no_process",
            )
        self._roots[source.name] = root
        self._aliased_roles.update(_aliased_roles(source.name, root))
        calls = frozenset(
            node.get("calledElement") or ""
            for node in root.xpath(".//bpmn:callActivity", namespaces=namespaces)
        )
        reserved = tuple(
            node.get("id")
            for node in root.xpath(".//bpmn:*[@id]", namespaces=namespaces)
            if node.get("id") in RESERVED_IDS
        )
        decision_refs = frozenset(
            node.text.strip()
            for node in root.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}calledDecisionId")
            if node.text and node.text.strip()
        )
        self.files[source.name] = ParsedFile(
            source, kind, processes, (), calls, reserved, decision_refs
        )

    def _add_dmn(self, source: Source, root: etree._Element) -> None:
        ids = [
            node.get("id")
            for node in root
            if isinstance(node.tag, str) and etree.QName(node).localname == "decision"
        ]
        if not ids:
            raise DefinitionError(
                source.name,
                None,
                "the file has no decision: add a decision with a decision table",
                "dmn_no_decision",
            )
        if root.nsmap.get(None) != etree.QName(root).namespace:
            raise DefinitionError(
                source.name,
                None,
                "DMN elements must be in the default namespace (no prefix such as 'semantic:')",
                "dmn_prefixed",
                {"prefix": root.prefix or ""},
            )
        for node in root:
            if (
                isinstance(node.tag, str)
                and etree.QName(node).localname == "decision"
                and not any(
                    isinstance(child.tag, str) and etree.QName(child).localname == "decisionTable"
                    for child in node
                )
            ):
                raise DefinitionError(
                    source.name,
                    node.get("id"),
                    "the decision has no decision table (literal expressions, FEEL and "
                    "decision services are not supported)",
                    "dmn_no_table",
                )
        for decision_id in ids:
            if decision_id in self.parser.dmn_parsers:
                other = self.parser.dmn_parsers[decision_id].filename
                raise DefinitionError(
                    source.name,
                    decision_id,
                    f"decision id '{decision_id}' is already provided by {other}",
                    "decision_provided",
                    {"decision": decision_id, "other": other},
                )
        self.parser.add_dmn_xml(root, filename=source.name)
        self.files[source.name] = ParsedFile(source, "dmn", (), tuple(ids))

    @property
    def process_ids(self) -> set[str]:
        return {pid for parsed in self.files.values() for pid in parsed.processes}

    def spec(self, process_id: str):
        """The parsed spec of a process (embedded subprocesses included), with clocked timers."""
        if process_id not in self._specs:
            try:
                spec = self.parser.get_spec(process_id)
            except ValidationException as error:
                file = self._file_of(process_id)
                raise _wrap(error, file, self._roots.get(error.file_name or file)) from None
            file = self._file_of(process_id)
            for task_spec in spec.task_specs.values():
                _clock_timers(task_spec)
                self._alias_role(task_spec, file)
            self._specs[process_id] = spec
        return self._specs[process_id]

    def decision(self, decision_id: str):
        """The parsed decision (tables) of a DMN decision id."""
        dmn_parser = self.parser.dmn_parsers[decision_id]
        try:
            dmn_parser.parse()
        except ValidationException as error:
            raise _wrap(error, dmn_parser.filename or "") from None
        return dmn_parser.decision

    def _alias_role(self, task_spec, file: str) -> None:
        """Give a task without a `role` property the role its lane or candidate groups name."""
        extensions = getattr(task_spec, "extensions", None)
        if not isinstance(extensions, dict) or (extensions.get("properties") or {}).get("role"):
            return
        role = self._aliased_roles.get((file, getattr(task_spec, "bpmn_id", None) or ""))
        if role is None:
            role = role_aliases.role_for(getattr(task_spec, "lane", None))
        if role is not None:
            extensions["properties"] = {**(extensions.get("properties") or {}), "role": role}

    def _file_of(self, process_id: str) -> str:
        parser = self.parser.get_process_parser(process_id)
        return getattr(parser, "filename", None) or ""

    def bundle_specs(self, root: str, available: Iterable[str] | None = None):
        """The root spec and every spec it calls, keyed as the call activities name them."""
        available = set(available) if available is not None else self.process_ids
        subprocess_specs: dict[str, object] = {}
        pending = [root]
        while pending:
            for task_spec in self.spec(pending.pop()).task_specs.values():
                if not isinstance(task_spec, SubWorkflowTask) or task_spec.spec in subprocess_specs:
                    continue
                name = task_spec.spec
                if self.parser.get_process_parser(name) is not None and name not in available:
                    target = name  # an embedded subprocess of the same file
                else:
                    target = resolve_called(name, available)
                if target is None:
                    raise DefinitionError(
                        self._file_of(root),
                        task_spec.bpmn_id,
                        f"calls process '{name}', which is not deployed: deploy it first or in "
                        "the same deployment, or call a deployed process",
                        "call_missing",
                        {"called": name},
                    )
                subprocess_specs[name] = self.spec(target)
                pending.append(target)
        return self.spec(root), subprocess_specs


def _clock_timers(task_spec) -> None:
    definition = getattr(task_spec, "event_definition", None)
    if definition is None:
        return
    if isinstance(definition, MultipleEventDefinition):
        definition.event_definitions = [clocked(d) for d in definition.event_definitions]
    else:
        task_spec.event_definition = clocked(definition)


def _aliased_roles(file: str, root: etree._Element) -> dict[tuple[str, str], str]:
    """Tasks whose candidate groups name a role (the first group that does)."""
    found = {}
    for node in root.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        for group in role_aliases.candidate_groups(node):
            role = role_aliases.role_for(group)
            if role is not None and node.get("id"):
                found[(file, node.get("id"))] = role
                break
    return found
