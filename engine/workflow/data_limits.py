"""Bounds on the data a process instance carries: per engine step and per instance.

The stored state keeps every task with the values its step added or changed, each in full
(SpiffWorkflow's TaskConverter stores a task's data as its changes to its parent's). A gateway
loop whose script adds entries to one value on each pass therefore stores that value again, a
little larger, on each pass: the state grows quadratically (48 entries of 9,999 characters per
pass made a 110 MB state row after 20 passes, in one command). The scripts' grammar bounds what
one statement builds (bpmn/expressions/), not how much a loop piles up.

So each command keeps a `DataBudget`: after every step (a script, a service call, a decision, a
completed form, a gateway…) it measures what the state will store for that step, and refuses

* a step that adds or changes more than `step_bytes` of data, and
* an instance whose state would pass `instance_bytes`: the state as loaded plus what every step
  of this command stores, checked at once, so a loop stops at the first pass past the limit
  instead of after all of them; and the state text itself at save.

Measuring stops as soon as a limit is passed, so it costs at most about `instance_bytes` per
command however the data was built (one name bound to the same large value 48 times included).
Exceeding a limit raises `TaskDataTooLarge` naming the element whose step grew the data: the
command becomes an incident (engine/workflow/failures.py).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import ConfigurationError

STEP_VAR = "BUDGETLOOP_TASK_DATA_MAX_STEP_BYTES"
INSTANCE_VAR = "BUDGETLOOP_INSTANCE_DATA_MAX_BYTES"
DEFAULT_STEP_BYTES = 1024 * 1024
DEFAULT_INSTANCE_BYTES = 8 * 1024 * 1024
# Tasks whose data the loaded state already stores (a ready form, a waiting event); predicted
# ones hold none yet.
_HOLDING = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# A value of a type plain JSON has no form for is stored with its class name: a rough allowance.
_TYPED = 40


@dataclass(frozen=True)
class DataLimits:
    """The most data one step may add or change, and the largest state an instance may store
    (bytes)."""

    step_bytes: int = DEFAULT_STEP_BYTES
    instance_bytes: int = DEFAULT_INSTANCE_BYTES


def data_limits(env: Mapping[str, str] | None = None) -> DataLimits:
    """The configured limits (`BUDGETLOOP_TASK_DATA_MAX_STEP_BYTES`, default 1 MiB, and
    `BUDGETLOOP_INSTANCE_DATA_MAX_BYTES`, default 8 MiB); a value that is not a positive whole
    number is a configuration error naming the variable (the composition root reads them at
    start-up, so a wrong one stops the app or the command before any work)."""
    env = os.environ if env is None else env
    return DataLimits(
        _setting(env, STEP_VAR, DEFAULT_STEP_BYTES),
        _setting(env, INSTANCE_VAR, DEFAULT_INSTANCE_BYTES),
    )


def _setting(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    # At most 18 digits: no configuration means more bytes than that.
    if value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    raise ConfigurationError(
        f"{name}={value[:40]!r} is not a positive whole number of bytes (default {default:,})"
    )


class TaskDataRefused(Exception):
    """A step's data cannot be stored; names the element and why (an incident, not a 500)."""

    def __init__(self, element_id: str | None, element_name: str | None, message: str) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.element_name = element_name


class TaskDataTooLarge(TaskDataRefused):
    """A step grew the process data past a limit; names the element and the limit."""


class Unstorable(ValueError):
    """A value the state cannot store as it is: a number that is not finite (NaN, ±infinity:
    JSON has no form for it, and orjson would write null), a UUID or an enumeration member
    (orjson would write it as plain text or its value, and it would read back as that)."""


def data_size(data: Mapping, cap: int) -> int:
    """The length of task `data` as JSON (ASCII, no spaces), counting only until it passes
    `cap`: then cap + 1. Exact for plain ASCII JSON values, close for typed ones; text beyond
    ASCII counts as escaped, 6 bytes a character, where the state stores it as 2 to 4 bytes of
    UTF-8 (bpmn/serializer.py): never less than the state stores.

    Each named value is encoded on its own (in C) and the count stops once past `cap`, so the
    work is bounded by `cap` plus the largest single value. A script cannot make one value
    large at once (the grammar bounds what a statement builds); it can only bind a name to one
    that is already there, which is counted again, as the state would store it again.
    """
    total = 2 + max(2 * len(data) - 1, 0)
    for key, value in data.items():
        total += _text_size(key) if isinstance(key, str) else _scalar_size(key) + 2
        try:
            total += len(json.dumps(value, separators=(",", ":"), allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            # A Decimal, a date…: the state stores them typed (and nothing circular).
            total += _walk_size(value, max(cap - total, 0))
        if total > cap:
            return cap + 1
    return total


def _walk_size(value: object, cap: int) -> int:
    """`data_size` of any value, walked without recursion, stopping once past `cap`."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += _text_size(item)
        elif isinstance(item, dict):
            # {} and, per entry, a colon and (but the first) a comma.
            total += 2 + max(2 * len(item) - 1, 0)
            for key, inner in item.items():
                total += _text_size(key) if isinstance(key, str) else _scalar_size(key) + 2
                stack.append(inner)
                if total > cap:
                    return cap + 1
        elif isinstance(item, list | tuple):
            total += 2 + max(len(item) - 1, 0)
            stack.extend(item)
        elif isinstance(item, set | frozenset):
            total += _TYPED + 2 + max(len(item) - 1, 0)
            stack.extend(item)
        else:
            total += _scalar_size(item)
        if total > cap:
            return cap + 1
    return total


def _text_size(text: str) -> int:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2
    return len(json.dumps(text))


def _scalar_size(value: object) -> int:
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, int):
        try:
            return len(str(value))
        except ValueError:  # beyond Python's digit limit for str(): about log10(2) per bit
            return value.bit_length() * 30103 // 100000 + 2
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unstorable(f"{value} is not a finite number")
        return len(json.dumps(value))
    if isinstance(value, UUID | Enum):
        raise Unstorable(f"{value!r} is a {type(value).__name__}, not a plain value")
    return _TYPED + len(str(value))


def _bytes(text: str) -> int:
    """A state's size in bytes as stored (UTF-8); its length when it is all ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _show(size: int) -> str:
    return f"{size:,} bytes"


class DataBudget:
    """What one command's steps may add to an instance's stored state, checked after each step.

    The state stores each task's data as its changes to its parent's: every top-level value the
    task added or changed, in full (SpiffWorkflow's TaskConverter). That is what a step costs.
    """

    def __init__(self, limits: DataLimits, loaded: int, holding: frozenset = frozenset()):
        self.limits = limits
        # The state as loaded, plus what every step since stores.
        self.total = loaded
        # Tasks whose changes the loaded state already holds (a ready form, a waiting timer).
        self.holding = holding
        self._before: dict = {}
        # What each element's steps stored in this command, and its name.
        self._stored: dict[str, int] = {}
        self._names: dict[str, str | None] = {}

    @classmethod
    def for_state(cls, limits: DataLimits, state: str, workflow: BpmnWorkflow) -> DataBudget:
        """The budget of a command on a workflow loaded from `state`."""
        holding = frozenset(task.id for task in workflow.get_tasks(state=_HOLDING))
        return cls(limits, _bytes(state), holding)

    def before(self, task) -> None:
        """Note what the loaded state already stores for `task`."""
        if task.id in self.holding:
            self._before[task.id] = changes_size(task, self.limits.instance_bytes)

    def after(self, task) -> None:
        """Measure what `task`'s step stores; raise TaskDataTooLarge past either limit, and
        TaskDataRefused for a number the state cannot store."""
        counted = self._before.pop(task.id, 0)
        element, name = _element(task)
        try:
            size = changes_size(task, self.limits.step_bytes)
        except Unstorable as error:
            raise TaskDataRefused(
                element,
                name,
                f"task data not storable: step {_named(element, name)} produced a value the "
                f"process state cannot store: {error} (numbers must be finite — an overflow "
                "gives infinity — and values plain text, numbers, lists and objects)",
            ) from None
        if size > self.limits.step_bytes:
            raise TaskDataTooLarge(
                element,
                name,
                f"task data too large: step {_named(element, name)} adds or changes more than "
                f"{_show(self.limits.step_bytes)} of process data (the limit per step; set "
                f"{STEP_VAR} to change it)",
            )
        if element is not None and size > counted:
            self._stored[element] = self._stored.get(element, 0) + size - counted
            self._names[element] = name
        self.total += size - counted
        if self.total > self.limits.instance_bytes:
            grower = self._grower() or element
            where = (
                "" if grower == element else f"; the limit was passed at {_named(element, name)}"
            )
            raise TaskDataTooLarge(
                grower,
                self._names.get(grower, name),
                f"instance data too large: the process state would be more than "
                f"{_show(self.limits.instance_bytes)} (the limit per instance; set "
                f"{INSTANCE_VAR} to change it){self._growth(grower)}{where}; a value changed "
                "on each pass of a loop is stored again, in full, on each pass",
            )

    def check_state(self, state: str) -> None:
        """Refuse a state text longer than the instance limit."""
        size = _bytes(state)
        if size <= self.limits.instance_bytes:
            return
        grower = self._grower()
        raise TaskDataTooLarge(
            grower,
            self._names.get(grower) if grower else None,
            f"instance data too large: the process state is {_show(size)}; at most "
            f"{_show(self.limits.instance_bytes)} (the limit per instance; set {INSTANCE_VAR} "
            f"to change it){self._growth(grower)}",
        )

    def _grower(self) -> str | None:
        """The element whose steps stored most in this command."""
        return max(self._stored, key=self._stored.__getitem__) if self._stored else None

    def _growth(self, element: str | None) -> str:
        if element is None or element not in self._stored:
            return ""
        stored = _show(self._stored[element])
        return (
            f"; step {_named(element, self._names[element])} added or changed {stored} of "
            "it in this command"
        )


def changes_size(task, cap: int) -> int:
    """`data_size` of what the state stores for `task`: the values it added or changed with
    respect to its parent (all its data if it has none), compared as the library compares."""
    parent = task.parent
    if parent is None:
        return data_size(task.data, cap)
    inherited = parent.data
    changed = {
        key: value
        for key, value in task.data.items()
        if key not in inherited or inherited[key] != value
    }
    return data_size(changed, cap)


def _element(task) -> tuple[str | None, str | None]:
    spec = task.task_spec
    return getattr(spec, "bpmn_id", None), getattr(spec, "bpmn_name", None)


def _named(element: str | None, name: str | None) -> str:
    if element is None:
        return "(unnamed)"
    return f"'{element}' ({name})" if name else f"'{element}'"
