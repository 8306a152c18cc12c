"""What the parts of bench/workflow.py share: the operator and year, the generated five-step
process, a fresh SQLite database, a settable clock, and medians in milliseconds."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path

from bpmn.xml import Source
from engine.actors import Actor
from engine.workflow.clock import ManualClock
from tests.support.databases import migrate

OPERATOR = Actor.system("bench")
YEAR = 2026
FIVE_STEPS = "five_steps"


def five_step_bpmn() -> str:
    """start → five user tasks (role unit) → end."""
    tasks, flows = [], []
    previous = "StartEvent"
    for n in range(1, 6):
        tasks.append(
            f'<bpmn:userTask id="Step{n}" name="Step {n}"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="role" value="unit"/>'
            "</spiffworkflow:properties></bpmn:extensionElements>"
            f"<bpmn:incoming>Flow{n}</bpmn:incoming><bpmn:outgoing>Flow{n + 1}</bpmn:outgoing>"
            "</bpmn:userTask>"
        )
        flows.append(
            f'<bpmn:sequenceFlow id="Flow{n}" sourceRef="{previous}" targetRef="Step{n}"/>'
        )
        previous = f"Step{n}"
    flows.append(f'<bpmn:sequenceFlow id="Flow6" sourceRef="{previous}" targetRef="EndEvent"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_five" targetNamespace="http://budgetloop/bench">'
        f'<bpmn:process id="{FIVE_STEPS}" name="Five steps" isExecutable="true">'
        '<bpmn:startEvent id="StartEvent"><bpmn:outgoing>Flow1</bpmn:outgoing></bpmn:startEvent>'
        + "".join(tasks)
        + '<bpmn:endEvent id="EndEvent"><bpmn:incoming>Flow6</bpmn:incoming></bpmn:endEvent>'
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>\n"
    )


def five_step_source(scratch: Path) -> Source:
    path = scratch / f"{FIVE_STEPS}.bpmn"
    path.write_text(five_step_bpmn(), encoding="utf-8")
    return Source(path.name, path.read_text(encoding="utf-8"))


def ms(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    if len(values) < 2:
        return values[0] * 1000, values[0] * 1000
    return statistics.median(values) * 1000, statistics.quantiles(values, n=20)[18] * 1000


def fresh_sqlite(scratch: Path, name: str) -> str:
    url = f"sqlite:///{scratch / name}.sqlite3"
    migrate(url)
    return url


def new_clock() -> ManualClock:
    return ManualClock(datetime(YEAR, 1, 4, 1, 0, tzinfo=UTC))
