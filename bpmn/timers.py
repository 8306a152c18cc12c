"""Timer events that read the engine's injected clock instead of the wall clock.

SpiffWorkflow's timer definitions call `datetime.now()` themselves, so time could only be moved
by patching the library. These subclasses ask the workflow's script engine for the time; the
parser swaps them in for the library's classes, and the serializer knows them by name.

Timers are bounded. The library turns a duration's years and months into days one month at a
time, so ``P99999999Y`` would loop a billion times: every duration here is checked against
`MAX_DURATION` *before* that loop runs (at most ``12 * MAX_DURATION_YEARS`` iterations), and a
cycle repeats at most `MAX_REPETITIONS` times. Deployment refuses a literal timer beyond these
maxima, naming the element; a timer whose expression is only known at run time (a variable) is
held to the same maxima then, and exceeding them is an incident naming the element.
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

MAX_DURATION_YEARS = 10
"""A timer's duration (or a cycle's interval) is at most this many years."""
MAX_DURATION = timedelta(days=366 * MAX_DURATION_YEARS)
"""The same maximum as a span of time (leap days included, so 'P10Y' always fits)."""
MAX_REPETITIONS = 1_000
"""A cycle ``R<n>/…`` repeats at most this many times (``R/…``, unbounded, fires once per due
tick and is allowed)."""
_MAX_NUMBER_LENGTH = 12  # digits of a repetition count worth reading at all


class TimerOutOfBounds(BpmnError):
    """A timer's duration or repetitions exceed the configured maxima (`code` and `params` say
    it for the pages: message ``deploy.problem.<code>``)."""

    def __init__(self, reason: str, code: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.params = params

    def at(self, my_task) -> TimerOutOfBounds:
        """The same refusal at run time, naming the timer's element (the incident says it)."""
        element = getattr(my_task.task_spec, "bpmn_id", None) or my_task.task_spec.name
        return TimerOutOfBounds(
            f"timer '{element}': {self.reason}", self.code, element=element, **self.params
        )


def _too_long(expression: str) -> TimerOutOfBounds:
    shown = expression[:40] + ("…" if len(expression) > 40 else "")
    return TimerOutOfBounds(
        f"the duration '{shown}' is longer than the maximum of {MAX_DURATION_YEARS} years",
        "timer_too_long",
        value=shown,
        max=MAX_DURATION_YEARS,
    )


def bounded_duration(parsed: dict, start: datetime, *, backwards: bool = False) -> timedelta:
    """The timedelta of a parsed ISO duration counted from (or back from) `start`, refusing one
    longer than `MAX_DURATION` before doing any work proportional to its value."""
    shown = "P" + "".join(f"{value}{name[0].upper()}" for name, value in parsed.items())
    # Rough upper bounds in days, each exceeding the calendar's own length: no loop, no overflow.
    upper = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24}
    upper.update({"minutes": 1 / 1440, "seconds": 1 / 86400})
    try:
        days = sum(float(value) * upper[name] for name, value in parsed.items())
    except (KeyError, OverflowError, TypeError, ValueError):
        raise _too_long(shown) from None
    if not days <= 2 * MAX_DURATION.days:  # also refuses NaN; the exact check follows
        raise _too_long(shown)
    parsed = dict(parsed)
    if backwards:
        duration = TimerEventDefinition.get_timedelta_from_end(parsed, start)
    else:
        duration = TimerEventDefinition.get_timedelta_from_start(parsed, start)
    if duration > MAX_DURATION:
        raise _too_long(shown)
    return duration


def engine_now(my_task) -> datetime:
    """The time according to the workflow's script engine (our clock)."""
    return my_task.workflow.script_engine.now()


def due_time(expression_value: str, now: datetime) -> datetime:
    """When a time-date or duration expression's value falls due, counted from `now`."""
    if expression_value.upper().startswith("P"):
        duration = TimerEventDefinition.parse_iso_duration(expression_value)
        return now + bounded_duration(duration, now)
    return TimerEventDefinition.parse_time_or_duration(expression_value)


def check_iso8601(kind: str, value: str) -> None:
    """Raise BpmnError unless `value` is a valid ISO 8601 value for a timer of `kind`."""
    try:
        if kind == "cycle":
            cycles, _start, duration = parse_cycle(value, datetime(2000, 1, 1).astimezone())
            if duration <= timedelta(0):
                raise ValueError("the interval must be longer than zero")
        elif kind == "duration":
            if not value.upper().startswith("P"):
                raise ValueError("a duration starts with 'P'")
            due_time(value, datetime(2000, 1, 1).astimezone())
        else:
            due_time(value, datetime(2000, 1, 1).astimezone())
    except TimerOutOfBounds:
        raise
    except Exception as error:  # the library raises bare Exception for bad durations
        shown = value[:60] + ("…" if len(value) > 60 else "")
        reason = str(error)[:200]
        raise BpmnError(f"'{shown}' is not a valid ISO 8601 {kind} ({reason})") from None


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """Parse `R[n]/start/duration`-style cycles like the library, counting from `now`."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    count = components[0].strip()
    if len(count) > _MAX_NUMBER_LENGTH or (count and int(count) > MAX_REPETITIONS):
        shown = count[:20] + ("…" if len(count) > 20 else "")
        raise TimerOutOfBounds(
            f"the cycle repeats {shown} times, more than the maximum of {MAX_REPETITIONS}",
            "timer_too_many_repetitions",
            count=shown,
            max=MAX_REPETITIONS,
        )
    cycles = int(count) if count else -1
    first = TimerEventDefinition.parse_time_or_duration(components[1])
    second = (
        TimerEventDefinition.parse_time_or_duration(components[2]) if len(components) == 3 else None
    )
    if isinstance(first, datetime):
        return cycles, first, bounded_duration(second, first)
    if isinstance(second, datetime):
        duration = bounded_duration(first, second, backwards=True)
        return cycles, second - duration, duration
    duration = bounded_duration(first, now)
    return cycles, now + duration, duration


class ClockedTimeDate(TimeDateEventDefinition):
    """A timer at a date and time."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        try:
            due = due_time(event_value, engine_now(my_task))
        except TimerOutOfBounds as error:
            raise error.at(my_task) from None
        if due <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockedDuration(DurationTimerEventDefinition):
    """A timer a duration after its task became ready."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = engine_now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            try:
                event_value = due_time(expression, now).isoformat()
            except TimerOutOfBounds as error:
                raise error.at(my_task) from None
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
            try:
                cycles, start, duration = parse_cycle(expression, now)
            except TimerOutOfBounds as error:
                raise error.at(my_task) from None
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
