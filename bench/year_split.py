"""Where a year's time goes, by who does the work: the process library, the database driver, our
service operations, the simulated people, and the rest (our engine and SQLAlchemy's Python).

Each part counts its exclusive time: a service operation called from inside the library's steps
is the service's, and its SQL is the database's. The library's part — its steps and the state
codec — is work any engine built on SpiffWorkflow does for the same year, whatever it stores:
a year in one process cannot take less.

Installed by patching the functions for the duration of a `with` block (benchmark only).
"""

from __future__ import annotations

import time
from collections import defaultdict

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy.engine.default import DefaultDialect

from bpmn.script_engine import SafeEnvironment
from bpmn.serializer import WorkflowCodec
from engine.demo.simulation import Simulation
from engine.workflow.data_limits import DataBudget
from engine.workflow.operations import OperationRegistry

LIBRARY, CODEC, EXPRESSIONS, DATABASE, SERVICES, SIMULATION, OTHER = (
    "the library's steps",
    "the state codec",
    "our expression evaluator",
    "the database driver",
    "service operations",
    "the simulated people",
    "our engine and SQLAlchemy",
)
PARTS = [
    # The library: running tasks (user-task completion, engine steps, timers) and new workflows.
    (BpmnWorkflow, "do_engine_steps", LIBRARY),
    (BpmnWorkflow, "refresh_timers", LIBRARY),
    (Task, "run", LIBRARY),
    (WorkflowCodec, "new_workflow", LIBRARY),
    (WorkflowCodec, "dump_state", CODEC),
    (WorkflowCodec, "load_state", CODEC),
    # Ours, though called from inside the library's steps.
    (SafeEnvironment, "evaluate", EXPRESSIONS),
    (SafeEnvironment, "execute", EXPRESSIONS),
    (OperationRegistry, "call", SERVICES),
    (DataBudget, "before", OTHER),
    (DataBudget, "after", OTHER),
    (DefaultDialect, "do_execute", DATABASE),
    (DefaultDialect, "do_executemany", DATABASE),
    (DefaultDialect, "do_execute_no_params", DATABASE),
    (DefaultDialect, "do_commit", DATABASE),
    (DefaultDialect, "do_begin", DATABASE),
    (Simulation, "form", SIMULATION),
    (Simulation, "actor_for", SIMULATION),
]


class TimeSplit:
    """Exclusive seconds per part while the block runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack = [OTHER]
        self._mark = 0.0
        self._saved: list[tuple[type, str, object]] = []

    def __enter__(self) -> TimeSplit:
        self._mark = time.perf_counter()
        for owner, name, part in PARTS:
            original = owner.__dict__[name]
            self._saved.append((owner, name, original))
            setattr(owner, name, self._timed(original, part))
        return self

    def __exit__(self, *_exc) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()
        self._switch()

    def _switch(self) -> None:
        now = time.perf_counter()
        self.seconds[self._stack[-1]] += now - self._mark
        self._mark = now

    def _timed(self, function, part: str):
        stack = self._stack

        def timed(*args, **kwargs):
            self._switch()
            stack.append(part)
            try:
                return function(*args, **kwargs)
            finally:
                self._switch()
                stack.pop()

        return timed

    def lines(self) -> str:
        measured = sum(self.seconds.values())
        parts = sorted(self.seconds.items(), key=lambda item: -item[1])
        rows = [f"    {name:<28} {s:>8.1f} s  {s / measured:>5.0%}" for name, s in parts]
        floor = self.seconds[LIBRARY] + self.seconds[CODEC]
        return "\n".join(
            [f"  where the commands' {measured:.1f} s went (exclusive time):", *rows]
            + [
                f"  the library alone (steps and state codec): {floor:.1f} s, "
                f"{floor / measured:.0%}"
            ]
        )
