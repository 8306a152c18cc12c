"""Hostile text never runs: rejected at deploy time wherever a definition holds an expression,
and refused after a load, or after the stored rows are edited (consistently or not)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from bpmn.xml import Source
from engine.composition import build_engine
from engine.errors import BudgetloopError, Corrupted, DefinitionRejected
from engine.models import HumanTask, Incident, ProcessDefinition, ProcessInstance, ProcessSpec
from tests.bpmn.hostile_expressions import HOSTILE, HOSTILE_SCRIPTS
from tests.engine.workflow.conftest import OPERATOR, ready_tasks, source
from tests.engine.workflow.deploy_support import (
    RAN,
    _deploy,
    _nothing_ran_yet,  # noqa: F401  (autouse)
    _problems,
    decision_dmn,
    gateway_bpmn,
    script_bpmn,
    service_bpmn,
    timer_bpmn,
)
from tests.support.snapshot import snapshot

# ---- hostile text is rejected at deploy time and never runs ----------------------------------


def _payloads(canary: Path, sentinel: Path) -> list[str]:
    """The hostile expression corpus plus payloads that leave a trace if they ever run."""
    corpus = [payload.replace("{canary}", repr(str(canary))) for payload in HOSTILE]
    return corpus + [
        f"__import__('os').system('touch {sentinel}')",
        f"__import__('os').remove({str(canary)!r})",
        f"open({str(sentinel)!r}, 'w').write('ran')",
        "__import__('tests.engine.workflow.deploy_support', fromlist=['RAN']).RAN.append('ran')",
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('id')",
    ]


def _scripts(canary: Path, sentinel: Path) -> list[str]:
    corpus = [payload.replace("{canary}", repr(str(canary))) for payload in HOSTILE_SCRIPTS]
    return corpus + [
        f"done = __import__('os').system('touch {sentinel}')",
        "import os\nos.system('touch " + str(sentinel) + "')",
        "RAN = __import__('tests.engine.workflow.deploy_support', fromlist=['RAN']).RAN\n"
        "RAN.append('ran')",
    ]


def _few(payloads: list[str]) -> list[str]:
    """A spread of the corpus: the ones that would touch files or run commands, and more."""
    chosen = [p for p in payloads if "import" in p or "open(" in p or "RAN" in p]
    return chosen + payloads[3:40:4]


PLACES: dict[str, Callable[[str, str], str]] = {
    "gateway condition": gateway_bpmn,
    "timeDuration": lambda pid, p: timer_bpmn(pid, p, "timeDuration"),
    "timeDate": lambda pid, p: timer_bpmn(pid, p, "timeDate"),
    "timeCycle": lambda pid, p: timer_bpmn(pid, p, "timeCycle"),
    "service parameter": service_bpmn,
    "script": script_bpmn,
    "decision cell": decision_dmn,
}
# The element a rejection names (an empty condition is named by its sequence flow).
ELEMENTS = {
    "gateway condition": {"Gateway_Check", "Flow_When"},
    "timeDuration": {"Timer_Wait"},
    "timeDate": {"Timer_Wait"},
    "timeCycle": {"Timer_Wait"},
    "service parameter": {"Service_SetStatus"},
    "script": {"Script_Run"},
    "decision cell": {"Rule_Only"},
}
BENIGN = {
    "gateway condition": "amount > 1000 and level in ['finance', 'department']",
    "timeDuration": "'P14D'",
    "timeDate": "opens_at",
    "timeCycle": "'R2/PT12H'",
    "service parameter": "'approved'",
    "script": "total = amount * 2\nlabel = 'x' + str(total)",
    "decision cell": ">= 90",
}


@pytest.fixture
def canary(tmp_path) -> Path:
    path = tmp_path / "canary.txt"
    path.write_text("intact")
    return path


@pytest.mark.parametrize("place", list(PLACES))
def test_hostile_text_is_rejected_at_deploy_time_and_never_runs(
    sessions, wf, engine, tmp_path, canary, place
):
    sentinel = tmp_path / "SENTINEL"
    if place == "script":
        corpus = _scripts(canary, sentinel)
    elif place == "gateway condition":
        corpus = _payloads(canary, sentinel)
    else:
        corpus = _few(_payloads(canary, sentinel))
    assert len(corpus) >= (30 if place in ("gateway condition", "script") else 10)
    build = PLACES[place]
    extension = "dmn" if place == "decision cell" else "bpmn"

    # The control: the same generated file with benign text deploys.
    assert _deploy(sessions, wf, [Source(f"benign.{extension}", build("benign", BENIGN[place]))])

    before = snapshot(engine)
    accepted, unnamed = [], []
    for number, payload in enumerate(corpus):
        name = f"hostile_{number}.{extension}"
        try:
            _deploy(sessions, wf, [Source(name, build(f"hostile_{number}", payload))])
        except DefinitionRejected as rejected:
            if not all(
                p.file == name and p.element in ELEMENTS[place] and p.reason
                for p in rejected.problems
            ):
                unnamed.append((payload, _problems(rejected)))
        else:
            accepted.append(payload)
    assert accepted == [], f"deployed with hostile {place}: {accepted}"
    assert unnamed == []
    assert snapshot(engine) == before
    assert not sentinel.exists()
    assert canary.read_text() == "intact"
    assert RAN == []


# ---- stored text cannot run code either: not after a load, not after editing rows ------------

TAMPER = {
    "gateway condition": ("answer == 'yes'", "__import__('os').system('touch {sentinel}')"),
    "script": ("decided = answer", "decided = __import__('os').system('touch {sentinel}')"),
}

ELEMENT_OF = {"gateway condition": "Gateway_Decision", "script": "Script_Record"}


@pytest.fixture
def probe(sessions, wf):
    """A running instance of tamper_probe waiting at its user task: (instance id, task id)."""
    _deploy(sessions, wf, [source("tamper_probe.bpmn")])
    with sessions() as session, session.begin():
        outcome = wf.start(session, "tamper_probe", "probe:1", {}, OPERATOR)
    assert outcome.ok, outcome.error
    (task,) = ready_tasks(sessions, outcome.instance_id)
    assert task.element_id == "Task_Decide" and task.role == "unit"
    return outcome.instance_id, task.id


def _malicious(text: str, part: str, sentinel: Path) -> str:
    benign, payload = TAMPER[part]
    assert text.count(benign) == 1, part
    return text.replace(benign, payload.format(sentinel=sentinel))


def _complete(sessions, engine, task_id: int):
    """Complete the probe's task; returns the Outcome, or the BudgetloopError raised."""
    try:
        with sessions() as session, session.begin():
            return engine.complete_task(session, task_id, {"answer": "yes"}, OPERATOR)
    except BudgetloopError as error:
        return error


def test_the_probe_runs_when_nobody_tampers(sessions, wf, probe):
    instance_id, task_id = probe
    outcome = _complete(sessions, build_engine(wf.clock), task_id)
    assert outcome.ok and outcome.status == "completed"


@pytest.mark.parametrize("part", list(TAMPER))
def test_an_edited_spec_row_is_refused_as_corrupted(sessions, wf, engine, tmp_path, probe, part):
    instance_id, task_id = probe
    sentinel = tmp_path / "SENTINEL"
    with sessions() as session, session.begin():
        sha = session.get(ProcessInstance, instance_id).spec_sha256
        body = _malicious(session.get(ProcessSpec, sha).body, part, sentinel)
        session.execute(update(ProcessSpec).where(ProcessSpec.sha256 == sha).values(body=body))
    before = snapshot(engine)

    with pytest.raises(Corrupted, match="altered"):
        with sessions() as session, session.begin():
            build_engine(wf.clock).complete_task(session, task_id, {"answer": "yes"}, OPERATOR)
    assert snapshot(engine) == before
    assert not sentinel.exists()

    # The engine that verified the spec when it started the instance must not run it either.
    _complete(sessions, wf, task_id)
    assert not sentinel.exists()


@pytest.mark.parametrize("part", list(TAMPER))
def test_a_consistently_rehashed_spec_still_cannot_run_code(sessions, wf, tmp_path, probe, part):
    instance_id, task_id = probe
    sentinel = tmp_path / "SENTINEL"
    with sessions() as session, session.begin():
        instance = session.get(ProcessInstance, instance_id)
        original = session.get(ProcessSpec, instance.spec_sha256)
        body = _malicious(original.body, part, sentinel)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        session.execute(
            insert(ProcessSpec).values(sha256=digest, body=body, versions=original.versions)
        )
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance_id)
            .values(spec_sha256=digest)
        )

    outcome = _complete(sessions, build_engine(wf.clock), task_id)
    assert not sentinel.exists()
    if not isinstance(outcome, BudgetloopError):
        assert not outcome.ok, outcome
        with sessions() as session:
            incident = session.get(Incident, outcome.incident_id)
            assert incident.instance_id == instance_id
            assert incident.element_id == ELEMENT_OF[part], incident.element_id
            assert "__import__" in incident.error or "not allowed" in incident.error
            assert session.get(ProcessInstance, instance_id).status == "incident"
            task = session.get(HumanTask, task_id)
            assert task.status == "ready"


def _edit_definition(sessions, part: str, sentinel: Path, *, rehash: bool) -> None:
    with sessions() as session, session.begin():
        row = session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == "tamper_probe")
        ).one()
        text = _malicious(row.source, part, sentinel)
        values = {"source": text}
        if rehash:
            values["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        session.execute(
            update(ProcessDefinition).where(ProcessDefinition.id == row.id).values(**values)
        )


def _start_and_complete(sessions, engine, business_key: str):
    """Start tamper_probe and complete its task; the Outcome, or the BudgetloopError raised."""
    try:
        with sessions() as session, session.begin():
            started = engine.start(session, "tamper_probe", business_key, {}, OPERATOR)
    except BudgetloopError as error:
        return error
    assert started.ok, started.error
    (task,) = ready_tasks(sessions, started.instance_id)
    return _complete(sessions, engine, task.id)


@pytest.mark.parametrize("part", list(TAMPER))
def test_a_consistently_edited_definition_row_cannot_run_code(sessions, wf, tmp_path, probe, part):
    sentinel = tmp_path / "SENTINEL"
    _edit_definition(sessions, part, sentinel, rehash=True)
    outcome = _start_and_complete(sessions, build_engine(wf.clock), "probe:2")
    assert not sentinel.exists()
    assert isinstance(outcome, BudgetloopError) or not outcome.ok, outcome


@pytest.mark.parametrize("part", list(TAMPER))
def test_an_edited_definition_row_is_refused_as_corrupted(sessions, wf, tmp_path, probe, part):
    sentinel = tmp_path / "SENTINEL"
    _edit_definition(sessions, part, sentinel, rehash=False)
    outcome = _start_and_complete(sessions, build_engine(wf.clock), "probe:2")
    assert not sentinel.exists()
    # process_definition.sha256 no longer matches its source: like an edited spec bundle,
    # the edited definition must be refused, not parsed into new instances unchecked.
    assert isinstance(outcome, Corrupted), outcome
