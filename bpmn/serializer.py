"""Serialize workflow state apart from its spec bundle; every restored workflow is made safe.

The library embeds the whole process spec in each serialized workflow and restores it with its
default (eval-based) script engine. Here a spec bundle is serialized once and stored by hash, an
instance's state is serialized without it, and `load_state` hands back a workflow that already
runs on the caller's safe engine — there is no way to get one that does not.
"""

from __future__ import annotations

import hashlib
import json
import threading
from copy import deepcopy
from dataclasses import dataclass
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from bpmn.decision_specs import DecisionTaskConverter
from bpmn.errors import BpmnError
from bpmn.pass_through import PassThroughTask
from bpmn.script_engine import SafeScriptEngine
from bpmn.timers import ClockedCycle, ClockedDuration, ClockedTimeDate

VERSION_KEY = "serializer_version"
# Keys that are not text (an integer key in task data) are written as text, as json does;
# dates and dataclasses go to the library's encoder, to be written its way, not orjson's.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _parse(text: str) -> dict:
    """A stored state; orjson reads it five times faster than json. States written before
    orjson may hold what it refuses (NaN, an integer beyond 64 bits): json reads those."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class StateConverter(BpmnWorkflowConverter):
    """The library's workflow converter, minus the embedded spec."""

    def to_state(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_state(self, dct: dict, spec, subprocess_specs: dict) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _config() -> dict:
    # A copy of the Spiff configuration (never the library's global), plus our timer classes.
    config = deepcopy(SPIFF_CONFIG)
    for timer_class in (ClockedTimeDate, ClockedDuration, ClockedCycle):
        config[timer_class] = TimerConditionalEventDefinitionConverter
    # Business rule tasks decide on the FEEL-aware engine (bpmn/decision_specs.py).
    config[BusinessRuleTask] = DecisionTaskConverter
    # Plain tasks pass through (bpmn/pass_through.py); stored as the library stores NoneTask.
    config[PassThroughTask] = SpiffBpmnTaskConverter
    return config


@dataclass(frozen=True)
class SpecBundle:
    """A root process spec with every spec it calls, and the hash of their serialization."""

    spec: object
    subprocess_specs: dict
    body: str
    sha256: str


class WorkflowCodec:
    """Turn workflows and spec bundles into JSON text and back."""

    def __init__(self) -> None:
        self.registry = BpmnWorkflowSerializer.configure(_config())
        self.converter = StateConverter(BpmnWorkflow, self.registry)
        self._encoder = create_encoder(self.registry)
        # What orjson cannot write by itself (a date, a duration, a set) is written as the
        # library's encoder writes it: by that encoder's own `default`.
        self._known = self._encoder().default
        # The library flips a flag on the shared registry while encoding: one encoder at a time.
        self._lock = threading.Lock()
        self._full = BpmnWorkflowSerializer(self.registry)

    def bundle(self, spec, subprocess_specs: dict) -> SpecBundle:
        """Serialize a spec bundle once; its hash identifies it."""
        with self._lock:  # conversion shares the registry with dump_state
            converted = {
                "spec": self.registry.convert(spec),
                "subprocess_specs": {
                    name: self.registry.convert(sub)
                    for name, sub in sorted(subprocess_specs.items())
                },
            }
        body = json.dumps(
            converted,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        return SpecBundle(spec, dict(subprocess_specs), body, digest)

    def load_bundle(self, body: str, expected_sha256: str) -> SpecBundle:
        """Restore a stored spec bundle, refusing one whose text no longer matches its hash."""
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        if digest != expected_sha256:
            raise BpmnError(
                f"stored process spec {expected_sha256[:12]}… was altered "
                f"(its text now hashes to {digest[:12]}…)"
            )
        dct = json.loads(body)
        spec = self.registry.restore(dct["spec"])
        subprocess_specs = {
            name: self.registry.restore(sub) for name, sub in dct["subprocess_specs"].items()
        }
        return SpecBundle(spec, subprocess_specs, body, digest)

    def dump_state(self, workflow: BpmnWorkflow) -> str:
        """The workflow's state (tasks, data, events) without its spec.

        The library's format (tests/bpmn/test_state_codec.py compares it with the library's
        own serializer), written by orjson, about twenty times faster than json (issue 12:
        json took 0.26 of a command's 0.68 ms of serialising). The converters turn the
        workflow into plain values; task data stays as it is, and what orjson cannot write by
        itself (a date, a duration) it hands to the library's encoder's `default`. Text is
        written as UTF-8, not escaped. What orjson refuses (an integer beyond 64 bits) goes
        through the library's encoder instead. Values orjson would write
        differently from json — a UUID, an enumeration member, a number that is not finite —
        never get here: a step that stores one is refused (engine/workflow/data_limits.py).
        """
        with self._lock:
            dct = self.converter.to_state(workflow)
            dct[VERSION_KEY] = VERSION
            try:
                return orjson.dumps(dct, default=self._known, option=_ORJSON_OPTIONS).decode()
            except orjson.JSONEncodeError:
                return json.dumps(dct, cls=self._encoder, separators=(",", ":"))

    def load_state(
        self, text: str, bundle: SpecBundle, script_engine: SafeScriptEngine
    ) -> BpmnWorkflow:
        """Restore a workflow on `bundle`, running on `script_engine`."""
        if not isinstance(script_engine, SafeScriptEngine):
            raise TypeError("workflows only run on the safe script engine")
        dct = _parse(text)
        version = dct.pop(VERSION_KEY, None)
        if version != VERSION and version in MIGRATIONS:
            MIGRATIONS[version](dct)
        workflow = self.converter.from_state(dct, bundle.spec, bundle.subprocess_specs)
        workflow.script_engine = script_engine
        return workflow

    def new_workflow(self, bundle: SpecBundle, script_engine: SafeScriptEngine) -> BpmnWorkflow:
        """A fresh workflow on `bundle`, running on `script_engine`."""
        if not isinstance(script_engine, SafeScriptEngine):
            raise TypeError("workflows only run on the safe script engine")
        return BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)

    def dump_full(self, workflow: BpmnWorkflow) -> str:
        """The library's own serialization, spec included (the benchmark's baseline)."""
        with self._lock:
            return self._full.serialize_json(workflow)

    def load_full(self, text: str, script_engine: SafeScriptEngine) -> BpmnWorkflow:
        """The library's own deserialization, made safe at once."""
        workflow = self._full.deserialize_json(text)
        workflow.script_engine = script_engine
        return workflow
