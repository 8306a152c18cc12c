"""Timer events that read the engine's injected clock instead of the wall clock.

SpiffWorkflow's timer definitions call `datetime.now()` themselves, so time could only be moved
by patching the library. These subclasses ask the workflow's script engine for the time; the
parser swaps them in for the library's classes, and the serializer knows them by name.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from bpmn.errors import BpmnError


def engine_now(my_task) -> datetime:
    """The time according to the workflow's script engine (our clock)."""
    return my_task.workflow.script_engine.now()


def due_time(expression_value: str, now: datetime) -> datetime:
    """When a time-date or duration expression's value falls due, counted from `now`."""
    if expression_value.upper().startswith("P"):
        duration = TimerEventDefinition.parse_iso_duration(expression_value)
        return now + TimerEventDefinition.get_timedelta_from_start(duration, now)
    return TimerEventDefinition.parse_time_or_duration(expression_value)


def check_iso8601(kind: str, value: str) -> None:
    """Raise BpmnError unless `value` is a valid ISO 8601 value for a timer of `kind`."""
    try:
        if kind == "cycle":
            cycles, _start, duration = parse_cycle(value, datetime(2000, 1, 1).astimezone())
            if duration <= timedelta(0):
                raise ValueError("the interval must be longer than zero")
        elif kind == "duration":
            TimerEventDefinition.parse_iso_duration(value)
            if not value.upper().startswith("P"):
                raise ValueError("a duration starts with 'P'")
        else:
            TimerEventDefinition.parse_time_or_duration(value)
    except Exception as error:  # the library raises bare Exception for bad durations
        raise BpmnError(f"'{value}' is not a valid ISO 8601 {kind} ({error})") from None


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """Parse `R[n]/start/duration`-style cycles like the library, counting from `now`."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    cycles = int(components[0]) if components[0] else -1
    first = TimerEventDefinition.parse_time_or_duration(components[1])
    second = (
        TimerEventDefinition.parse_time_or_duration(components[2]) if len(components) == 3 else None
    )
    if isinstance(first, datetime):
        return cycles, first, TimerEventDefinition.get_timedelta_from_start(second, first)
    if isinstance(second, datetime):
        duration = TimerEventDefinition.get_timedelta_from_end(first, second)
        return cycles, second - duration, duration
    duration = TimerEventDefinition.get_timedelta_from_start(first, now)
    return cycles, now + duration, duration


class ClockedTimeDate(TimeDateEventDefinition):
    """A timer at a date and time."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if due_time(event_value, engine_now(my_task)) <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockedDuration(DurationTimerEventDefinition):
    """A timer a duration after its task became ready."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = engine_now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = due_time(expression, now).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockedCycle(CycleTimerEventDefinition):
    """A timer that repeats."""

    def cycle_complete(self, my_task):
        now = engine_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = parse_cycle(expression, now)
            event_value = {
                "cycles": cycles,
                "next": start.isoformat(),
                "duration": duration.total_seconds(),
            }
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                next_event += timedelta(seconds=event_value["duration"])
                event_value["next"] = next_event.isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


CLOCKED = {
    TimeDateEventDefinition: ClockedTimeDate,
    DurationTimerEventDefinition: ClockedDuration,
    CycleTimerEventDefinition: ClockedCycle,
}

KIND_OF = {ClockedTimeDate: "date", ClockedDuration: "duration", ClockedCycle: "cycle"}


def clocked(definition):
    """The clock-aware equivalent of a library timer definition (other definitions unchanged)."""
    replacement = CLOCKED.get(type(definition))
    if replacement is None:
        return definition
    return replacement(definition.name, definition.expression, description=definition.description)


def timer_due_at(task) -> datetime | None:
    """When a waiting timer task falls due, if it has computed that yet."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("next")
    return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None
