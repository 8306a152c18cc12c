"""Definition files parsed together: process specs and decisions by id, and spec bundles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

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


_NAMESPACE = re.compile(r"\{[^}]*\}")


def _wrap(
    error: ValidationException, fallback_file: str, root: etree._Element | None = None
) -> DefinitionError:
    reason = _NAMESPACE.sub("", str(error.args[0]) if error.args else str(error))
    line = getattr(error, "line_number", "")
    element = getattr(error, "id", "") or None
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
    return DefinitionError(error.file_name or fallback_file, element, reason)


class Catalogue:
    """A set of BPMN and DMN files parsed by one SpiffWorkflow parser, with XSD validation."""

    def __init__(
        self, sources: Iterable[Source], errors: list[DefinitionError] | None = None
    ) -> None:
        """Parse `sources`; with `errors`, collect every file's problem instead of raising."""
        self.parser = SpiffBpmnParser(validator=VALIDATOR)
        self.files: dict[str, ParsedFile] = {}
        self._specs: dict[str, object] = {}
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
                )
            self.parser.add_bpmn_xml(root, filename=source.name)
        except ValidationException as error:
            raise _wrap(error, source.name, root) from None
        except DefinitionError:
            raise
        except Exception as error:  # the library fails on some inputs with plain exceptions
            raise DefinitionError(
                source.name, None, f"cannot be parsed: {type(error).__name__}: {error}"
            ) from None
        namespaces = {"bpmn": BPMN_NS}
        processes = tuple(
            node.get("id")
            for node in root.xpath("./bpmn:process", namespaces=namespaces)
            if node.get("isExecutable", "false").lower() == "true"
        )
        if not processes:
            raise DefinitionError(source.name, None, "the file has no executable process")
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
            raise DefinitionError(source.name, None, "the file has no decision")
        if root.nsmap.get(None) != etree.QName(root).namespace:
            raise DefinitionError(
                source.name,
                None,
                "DMN elements must be in the default namespace (no prefix such as 'semantic:')",
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
                )
        for decision_id in ids:
            if decision_id in self.parser.dmn_parsers:
                other = self.parser.dmn_parsers[decision_id].filename
                raise DefinitionError(
                    source.name,
                    decision_id,
                    f"decision id '{decision_id}' is already provided by {other}",
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
                raise _wrap(error, self._file_of(process_id)) from None
            for task_spec in spec.task_specs.values():
                _clock_timers(task_spec)
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
                        f"calls process '{name}', which is not deployed",
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
