"""Deploying definitions: all or nothing, every problem named, and hostile text never runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from sqlalchemy import insert, select, update

from bpmn.xml import Source
from engine.composition import build_engine, shipped_sources
from engine.errors import BudgetloopError, Corrupted, DefinitionRejected
from engine.models import HumanTask, Incident, ProcessDefinition, ProcessInstance, ProcessSpec
from engine.workflow.definitions import Deployed, deploy
from tests.bpmn.test_expressions import HOSTILE, HOSTILE_SCRIPTS
from tests.engine.workflow.conftest import DATA, OPERATOR, ready_tasks, source
from tests.support.snapshot import snapshot

# A payload that ever ran would append to this list (see _payloads).
RAN: list[str] = []


@pytest.fixture(autouse=True)
def _nothing_ran_yet():
    RAN.clear()
    yield
    assert RAN == [], f"a payload ran: {RAN}"


def _deploy(sessions, wf, sources) -> list[Deployed]:
    with sessions() as session, session.begin():
        return deploy(session, list(sources), OPERATOR, wf.operations.names())


def _rejected(sessions, wf, engine, sources) -> DefinitionRejected:
    """Deploy `sources`, expect a rejection, and check that the database did not change."""
    before = snapshot(engine)
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, sources)
    assert snapshot(engine) == before
    return rejected.value


def _problems(rejected: DefinitionRejected) -> list[tuple[str, str | None, str]]:
    return [(p.file, p.element, p.reason) for p in rejected.problems]


def _assert_names(
    rejected: DefinitionRejected, file: str, elements: set[str | None], reasons: tuple[str, ...]
) -> None:
    """Some problem names `file`, one of `elements` and every fragment of `reasons`."""
    found = [
        (f, e, r)
        for f, e, r in _problems(rejected)
        if f == file and e in elements and all(fragment in r for fragment in reasons)
    ]
    assert found, _problems(rejected)
    # The message the CLI and the API show says the same.
    file, element, reason = found[0]
    assert file in rejected.message and reason in rejected.message
    if element is not None:
        assert f"element '{element}'" in rejected.message
    assert {"file": file, "element": element, "reason": reason} in rejected.errors["problems"]


# ---- generated definitions ---------------------------------------------------------------------

_BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="Definitions_generated" targetNamespace="http://budgetloop/bpmn">\n'
)


def _process(pid: str, middle: str, suffix: str = "") -> str:
    """One executable process: start → `middle` (ids Flow_In{suffix}/Flow_Out{suffix}) → end."""
    middle_id = middle.split('id="', 1)[1].split('"', 1)[0]
    return (
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        f'<bpmn:startEvent id="StartEvent_Gen{suffix}">'
        f"<bpmn:outgoing>Flow_In{suffix}</bpmn:outgoing></bpmn:startEvent>\n"
        f"{middle}\n"
        f'<bpmn:endEvent id="EndEvent_Gen{suffix}">'
        f"<bpmn:incoming>Flow_Out{suffix}</bpmn:incoming></bpmn:endEvent>\n"
        f'<bpmn:sequenceFlow id="Flow_In{suffix}" sourceRef="StartEvent_Gen{suffix}" '
        f'targetRef="{middle_id}" />\n'
        f'<bpmn:sequenceFlow id="Flow_Out{suffix}" sourceRef="{middle_id}" '
        f'targetRef="EndEvent_Gen{suffix}" />\n'
        "</bpmn:process>\n"
    )


def _bpmn(*processes: str) -> str:
    return _BPMN_HEAD + "".join(processes) + "</bpmn:definitions>\n"


def _flows(suffix: str = "") -> str:
    return (
        f"<bpmn:incoming>Flow_In{suffix}</bpmn:incoming>"
        f"<bpmn:outgoing>Flow_Out{suffix}</bpmn:outgoing>"
    )


def gateway_bpmn(pid: str, condition: str) -> str:
    """An exclusive gateway whose one conditional flow carries `condition`."""
    return _bpmn(
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        '<bpmn:startEvent id="StartEvent_Gen"><bpmn:outgoing>Flow_In</bpmn:outgoing>'
        "</bpmn:startEvent>\n"
        '<bpmn:exclusiveGateway id="Gateway_Check" default="Flow_Otherwise">'
        "<bpmn:incoming>Flow_In</bpmn:incoming><bpmn:outgoing>Flow_When</bpmn:outgoing>"
        "<bpmn:outgoing>Flow_Otherwise</bpmn:outgoing></bpmn:exclusiveGateway>\n"
        '<bpmn:endEvent id="EndEvent_When"><bpmn:incoming>Flow_When</bpmn:incoming>'
        "</bpmn:endEvent>\n"
        '<bpmn:endEvent id="EndEvent_Otherwise"><bpmn:incoming>Flow_Otherwise</bpmn:incoming>'
        "</bpmn:endEvent>\n"
        '<bpmn:sequenceFlow id="Flow_In" sourceRef="StartEvent_Gen" targetRef="Gateway_Check" />\n'
        '<bpmn:sequenceFlow id="Flow_When" sourceRef="Gateway_Check" targetRef="EndEvent_When">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        f"{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
        '<bpmn:sequenceFlow id="Flow_Otherwise" sourceRef="Gateway_Check" '
        'targetRef="EndEvent_Otherwise" />\n'
        "</bpmn:process>\n"
    )


TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


def timer_bpmn(pid: str, expression: str, kind: str = "timeDuration") -> str:
    """An intermediate timer event whose `kind` expression is `expression`."""
    return _bpmn(
        _process(
            pid,
            f'<bpmn:intermediateCatchEvent id="Timer_Wait">{_flows()}'
            '<bpmn:timerEventDefinition id="TimerEventDefinition_Wait">'
            f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{escape(expression)}</bpmn:{kind}>'
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        )
    )


def service_bpmn(pid: str, value: str) -> str:
    """A service task calling a registered operation with `value` as a parameter."""
    return _bpmn(
        _process(
            pid,
            '<bpmn:serviceTask id="Service_SetStatus"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="set_document_status" '
            'resultVariable="document_status"><spiffworkflow:parameters>'
            f'<spiffworkflow:parameter id="status" type="str" value={quoteattr(value)} />'
            "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
            f"</bpmn:extensionElements>{_flows()}</bpmn:serviceTask>",
        )
    )


def script_bpmn(pid: str, script: str) -> str:
    """A script task running `script`."""
    return _bpmn(
        _process(
            pid,
            f'<bpmn:scriptTask id="Script_Run">{_flows()}'
            f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>",
        )
    )


def decision_dmn(did: str, cell: str) -> str:
    """A UNIQUE decision table whose only rule's input cell is `cell`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        f'id="Definitions_{did}" name="generated" namespace="http://budgetloop/dmn">\n'
        f'<decision id="{did}" name="generated"><decisionTable id="DecisionTable_{did}" '
        'hitPolicy="UNIQUE"><input id="Input_Score" label="score">'
        '<inputExpression id="InputExpression_Score" typeRef="number"><text>score</text>'
        '</inputExpression></input><output id="Output_Grade" name="grade" typeRef="string" />'
        f'<rule id="Rule_Only"><inputEntry id="InputEntry_Only"><text>{escape(cell)}</text>'
        '</inputEntry><outputEntry id="OutputEntry_Only"><text>"A"</text></outputEntry></rule>'
        "</decisionTable></decision>\n</definitions>\n"
    )


# ---- deploying the shipped definitions -----------------------------------------------------


def test_the_shipped_definitions_deploy_and_a_second_deploy_stores_nothing(sessions, wf, engine):
    sources = shipped_sources()
    first = _deploy(sessions, wf, sources)
    assert sorted(d.file_name for d in first) == sorted(s.name for s in sources)
    assert all(d.changed and d.version == 1 for d in first)
    assert {d.key for d in first} >= {"budget_cycle", "review", "target_filing", "grade_decision"}

    before = snapshot(engine)
    again = _deploy(sessions, wf, sources)
    assert again == [replace(d, changed=False) for d in first]
    assert snapshot(engine) == before


def test_a_deployment_stores_only_the_files_that_changed(sessions, wf, shipped):
    sources = [s for s in shipped_sources() if s.name != "review.bpmn"]
    result = _deploy(sessions, wf, [*sources, source("review_three_levels.bpmn")])
    changed = [(d.file_name, d.key, d.version) for d in result if d.changed]
    assert changed == [("review_three_levels.bpmn", "review", 2)]
    assert all(d.version == 1 for d in result if not d.changed)
    with sessions() as session:
        rows = session.execute(
            select(ProcessDefinition.key, ProcessDefinition.version).order_by(
                ProcessDefinition.key, ProcessDefinition.version
            )
        ).all()
    assert len(rows) == len(shipped_sources()) + 1


# ---- every rejection names the file, the element and the reason; nothing is stored ---------

REJECTIONS: list[tuple[str, Callable[[], list[Source]], str, set, tuple[str, ...]]] = [
    (
        "malformed XML",
        lambda: [source("bad_unclosed_tag.bpmn")],
        "bad_unclosed_tag.bpmn",
        {None},
        ("not well-formed XML", "userTask line 7", "line 10"),
    ),
    (
        "not BPMN",
        lambda: [source("bad_not_bpmn.bpmn")],
        "bad_not_bpmn.bpmn",
        {None},
        ("not a BPMN 2.0 or DMN document", "project"),
    ),
    (
        "unknown BPMN element",
        lambda: [source("bad_unknown_element.bpmn")],
        "bad_unknown_element.bpmn",
        {"Task_Foo"},
        ("fooTask", "not expected"),
    ),
    (
        "call to an undeployed process",
        lambda: [source("bad_call_undeployed.bpmn")],
        "bad_call_undeployed.bpmn",
        {"Call_Procurement"},
        ("calls process 'procurement_review', which is not deployed",),
    ),
    (
        "duplicate id",
        lambda: [source("bad_duplicate_id.bpmn")],
        "bad_duplicate_id.bpmn",
        {"Task_Fill"},
        ("duplicate id", "7", "16"),
    ),
    (
        "user task without a role",
        lambda: [source("review_bad_missing_role.bpmn")],
        "review_bad_missing_role.bpmn",
        {"Task_FinanceReview"},
        ("user task has no role",),
    ),
    (
        "unknown role",
        lambda: [source("bad_unknown_role.bpmn")],
        "bad_unknown_role.bpmn",
        {"Task_MayorApproval"},
        ("unknown role 'mayor'",),
    ),
    (
        "org property naming no organisation variable",
        lambda: [
            Source(
                "bad_org_property.bpmn",
                source("bad_unknown_role.bpmn").text.replace(
                    'value="mayor" />',
                    'value="evaluator" /><spiffworkflow:property name="org" value="mayor[0]" />',
                ),
            )
        ],
        "bad_org_property.bpmn",
        {"Task_MayorApproval"},
        ("property 'org' must name a variable ending in _org_id",),
    ),
    (
        "unknown service operation",
        lambda: [source("bad_unknown_operation.bpmn")],
        "bad_unknown_operation.bpmn",
        {"Service_Transfer"},
        ("unknown service operation 'transfer_funds'",),
    ),
    (
        "unsafe gateway condition",
        lambda: [source("bad_unsafe_condition.bpmn")],
        "bad_unsafe_condition.bpmn",
        {"Gateway_Amount", "Flow_Large"},
        ("__class__", "not allowed"),
    ),
    (
        "script with import",
        lambda: [source("bad_script_import.bpmn")],
        "bad_script_import.bpmn",
        {"Script_Compute"},
        ("import is not allowed",),
    ),
    (
        "script with attribute access",
        lambda: [source("bad_script_attribute.bpmn")],
        "bad_script_attribute.bpmn",
        {"Script_Compute"},
        ("attribute access",),
    ),
    (
        "UNIQUE rules overlap",
        lambda: [source("bad_unique_overlap.dmn")],
        "bad_unique_overlap.dmn",
        {"grade_overlap", "Rule_Good", "Rule_Excellent"},
        ("overlap", ">= 80", ">= 90"),
    ),
    (
        "unsupported hit policy",
        lambda: [source("bad_hit_policy_first.dmn")],
        "bad_hit_policy_first.dmn",
        {"grade_first", "DecisionTable_grade_first"},
        ("hit policy FIRST is not supported",),
    ),
    (
        "same file name twice",
        lambda: [
            source("small_valid.bpmn"),
            Source("small_valid.bpmn", source("tamper_probe.bpmn").text),
        ],
        "small_valid.bpmn",
        {None},
        ("the same file name appears twice",),
    ),
    (
        "process id provided by another deployed file",
        lambda: [source("bad_provides_review.bpmn")],
        "bad_provides_review.bpmn",
        {"review"},
        ("already provided by review.bpmn",),
    ),
]


@pytest.mark.parametrize(
    ("sources", "file", "elements", "reasons"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_a_rejection_names_file_element_and_reason_and_stores_nothing(
    sessions, wf, engine, shipped, sources, file, elements, reasons
):
    rejected = _rejected(sessions, wf, engine, sources())
    _assert_names(rejected, file, elements, reasons)


BAD_TIMERS = [(kind, value) for kind in TIMER_KINDS for value in ("P1X", "next tuesday")]
GOOD_TIMERS = {
    "timeDuration": "P14D",
    "timeDate": "2026-03-01T00:00:00+08:00",
    "timeCycle": "R3/PT1H",
}


@pytest.mark.parametrize(("kind", "value"), BAD_TIMERS)
def test_a_timer_literal_must_be_iso_8601(sessions, wf, engine, kind, value):
    name = f"bad_timer_{kind}.bpmn"
    rejected = _rejected(
        sessions, wf, engine, [Source(name, timer_bpmn("timed", repr(value), kind))]
    )
    _assert_names(rejected, name, {"Timer_Wait"}, (f"'{value}'", "not a valid ISO 8601"))


@pytest.mark.parametrize("kind", TIMER_KINDS)
def test_a_timer_with_an_iso_8601_literal_deploys(sessions, wf, kind):
    # The control for the test above: the generated file is otherwise fine.
    text = timer_bpmn("timed", repr(GOOD_TIMERS[kind]), kind)
    assert _deploy(sessions, wf, [Source("timer.bpmn", text)])[0].changed


def test_one_bad_file_rejects_the_whole_deployment(sessions, wf, engine, shipped):
    sources = [
        source("small_valid.bpmn"),
        source("bad_unknown_role.bpmn"),
        source("tamper_probe.bpmn"),
        source("review_three_levels.bpmn"),
    ]
    rejected = _rejected(sessions, wf, engine, sources)
    assert {p.file for p in rejected.problems} == {"bad_unknown_role.bpmn"}
    with sessions() as session:
        keys = set(session.scalars(select(ProcessDefinition.key)))
        review = session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.key == "review")
        ).all()
    assert not keys & {"small_valid", "tamper_probe"}
    assert review == [1]
    # The same files without the bad one are fine.
    good = [s for s in sources if s.name != "bad_unknown_role.bpmn"]
    assert [d.changed for d in _deploy(sessions, wf, good)] == [True, True, True]


def test_every_problem_of_every_file_is_reported(sessions, wf, engine, shipped):
    rejected = _rejected(
        sessions,
        wf,
        engine,
        [
            source("bad_unknown_role.bpmn"),
            source("bad_unknown_operation.bpmn"),
            source("review_bad_missing_role.bpmn"),
        ],
    )
    assert {(p.file, p.element) for p in rejected.problems} >= {
        ("bad_unknown_role.bpmn", "Task_MayorApproval"),
        ("bad_unknown_operation.bpmn", "Service_Transfer"),
        ("review_bad_missing_role.bpmn", "Task_FinanceReview"),
    }


# ---- odd files must be rejected, never crash the deployment ----------------------------------

ODD_FILES: list[tuple[str, Callable[[], list[Source]], str, set, tuple[str, ...]]] = [
    (
        "DMN without a decision",
        lambda: [source("bad_dmn_no_decision.dmn")],
        "bad_dmn_no_decision.dmn",
        {None},
        ("decision",),
    ),
    (
        "two DMN files with the same decision id",
        lambda: [
            Source("grade_a.dmn", source_text("grade.dmn")),
            Source("grade_b.dmn", source_text("grade.dmn")),
        ],
        "grade_b.dmn",
        {"grade_decision"},
        ("grade_decision",),
    ),
]


def source_text(shipped_name: str) -> str:
    return next(s.text for s in shipped_sources() if s.name == shipped_name)


@pytest.mark.parametrize(
    ("sources", "file", "elements", "reasons"),
    [case[1:] for case in ODD_FILES],
    ids=[case[0] for case in ODD_FILES],
)
def test_odd_decision_files_are_rejected_not_crashing(
    sessions, wf, engine, sources, file, elements, reasons
):
    rejected = _rejected(sessions, wf, engine, sources())
    _assert_names(rejected, file, elements, reasons)


def test_a_dmn_1_2_file_is_deployed_or_rejected_never_a_crash(sessions, wf, engine):
    # bpmn/xml.py lists the DMN 1.2 namespace as supported; the library has no usable schema
    # for it. Either outcome is fine, an exception from deep inside lxml is not.
    before = snapshot(engine)
    try:
        result = _deploy(sessions, wf, [source("grade_dmn12.dmn")])
    except DefinitionRejected as rejected:
        _assert_names(rejected, "grade_dmn12.dmn", {None, "grade_dmn12"}, ("DMN",))
        assert snapshot(engine) == before
    else:
        assert [(d.key, d.version) for d in result] == [("grade_dmn12", 1)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(gateway_bpmn("p" * 101, "x == 1"), id="process id of 101 characters"),
        pytest.param(
            _bpmn(
                _process(
                    "long_task_id",
                    f'<bpmn:userTask id="{"Task_" + "x" * 96}"><bpmn:extensionElements>'
                    '<spiffworkflow:properties><spiffworkflow:property name="role" '
                    'value="unit" /></spiffworkflow:properties></bpmn:extensionElements>'
                    f"{_flows()}</bpmn:userTask>",
                )
            ),
            id="user task id of 101 characters",
        ),
    ],
)
def test_ids_too_long_for_the_tables_are_rejected_on_every_backend(sessions, wf, engine, text):
    # process_definition.key and human_task.element_id hold 100 characters: PostgreSQL fails
    # with a database error (or later, at run time), SQLite silently stores the longer text.
    rejected = _rejected(sessions, wf, engine, [Source("long_ids.bpmn", text)])
    assert [p.file for p in rejected.problems] == ["long_ids.bpmn"]


def test_a_new_version_cannot_drop_a_process_that_deployed_definitions_call(sessions, wf, engine):
    task = '<bpmn:scriptTask id="Task_Work{0}"><bpmn:incoming>Flow_In{0}</bpmn:incoming>'
    task += "<bpmn:outgoing>Flow_Out{0}</bpmn:outgoing>"
    task += "<bpmn:script>worked = True</bpmn:script></bpmn:scriptTask>"
    both = _bpmn(
        _process("shared_main", task.format("")), _process("shared_helper", task.format("H"), "H")
    )
    caller = _bpmn(
        _process(
            "helper_caller",
            f'<bpmn:callActivity id="Call_Helper" calledElement="shared_helper">{_flows()}'
            "</bpmn:callActivity>",
        )
    )
    _deploy(sessions, wf, [Source("shared.bpmn", both), Source("caller.bpmn", caller)])
    # Version 2 of `shared_main` no longer provides `shared_helper`, which `helper_caller` calls.
    only_main = _bpmn(_process("shared_main", task.format("")))
    rejected = _rejected(sessions, wf, engine, [Source("shared.bpmn", only_main)])
    assert any("shared_helper" in p.reason for p in rejected.problems), _problems(rejected)


# ---- hostile text is rejected at deploy time and never runs ----------------------------------


def _payloads(canary: Path, sentinel: Path) -> list[str]:
    """The hostile expression corpus plus payloads that leave a trace if they ever run."""
    corpus = [payload.replace("{canary}", repr(str(canary))) for payload in HOSTILE]
    return corpus + [
        f"__import__('os').system('touch {sentinel}')",
        f"__import__('os').remove({str(canary)!r})",
        f"open({str(sentinel)!r}, 'w').write('ran')",
        "__import__('tests.engine.workflow.test_deploy', fromlist=['RAN']).RAN.append('ran')",
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('id')",
    ]


def _scripts(canary: Path, sentinel: Path) -> list[str]:
    corpus = [payload.replace("{canary}", repr(str(canary))) for payload in HOSTILE_SCRIPTS]
    return corpus + [
        f"done = __import__('os').system('touch {sentinel}')",
        "import os\nos.system('touch " + str(sentinel) + "')",
        "RAN = __import__('tests.engine.workflow.test_deploy', fromlist=['RAN']).RAN\n"
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


# ---- the command line ----------------------------------------------------------------------


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code != 0
    assert out == ""
    assert err.startswith("budgetloop: ") and err.count("\n") == 1, err
    return err


def test_cli_deploys_the_shipped_definitions_and_lists_them(budgetloop):
    code, out, err = budgetloop("process", "deploy", "--shipped")
    assert code == 0, err
    for shipped_file in shipped_sources():
        assert f"{shipped_file.name}: " in out
    assert "review.bpmn: review v1 deployed" in out
    assert out.count(" v1 deployed") == len(shipped_sources())

    code, out, err = budgetloop("process", "deploy", "--shipped")
    assert (code, out.strip()) == (0, "nothing to deploy"), err

    code, out, err = budgetloop("process", "deploy", str(DATA / "review_three_levels.bpmn"))
    assert code == 0, err
    assert out.strip() == "review_three_levels.bpmn: review v2 deployed"

    code, out, err = budgetloop("process", "list")
    assert code == 0, err
    listed = [line.split()[:2] for line in out.splitlines()]
    for key in ("budget_cycle", "target_filing", "monitoring", "evaluation", "grade_decision"):
        assert [key, "v1"] in listed
    reviews = [version for key, version in listed if key == "review"]
    assert reviews == ["v2", "v1"]


CLI_REJECTIONS = [
    ("bad_unknown_role.bpmn", "Task_MayorApproval", "unknown role 'mayor'"),
    ("review_bad_missing_role.bpmn", "Task_FinanceReview", "user task has no role"),
    ("bad_call_undeployed.bpmn", "Call_Procurement", "which is not deployed"),
    ("bad_unsafe_condition.bpmn", "Gateway_Amount", "attribute access"),
    ("bad_unique_overlap.dmn", "grade_overlap", "UNIQUE rules overlap"),
    ("bad_unknown_element.bpmn", "Task_Foo", "fooTask"),
]


@pytest.mark.parametrize(("name", "element", "reason"), CLI_REJECTIONS)
def test_cli_rejects_a_bad_file_in_one_line_and_changes_nothing(
    budgetloop, engine, name, element, reason
):
    assert budgetloop("process", "deploy", "--shipped")[0] == 0
    before = snapshot(engine)
    err = _one_line_error(*budgetloop("process", "deploy", str(DATA / name)))
    assert name in err and f"'{element}'" in err and reason in err, err
    assert snapshot(engine) == before


def test_cli_several_files_with_one_bad_store_nothing(budgetloop, engine):
    assert budgetloop("process", "deploy", "--shipped")[0] == 0
    before = snapshot(engine)
    err = _one_line_error(
        *budgetloop(
            "process",
            "deploy",
            str(DATA / "small_valid.bpmn"),
            str(DATA / "bad_unknown_role.bpmn"),
            str(DATA / "tamper_probe.bpmn"),
        )
    )
    assert "bad_unknown_role.bpmn" in err and "small_valid" not in err
    assert snapshot(engine) == before


def test_cli_unreadable_files_give_one_clear_line(budgetloop, engine, tmp_path):
    assert budgetloop("process", "deploy", "--shipped")[0] == 0
    before = snapshot(engine)
    missing = tmp_path / "nowhere.bpmn"
    err = _one_line_error(*budgetloop("process", "deploy", str(missing)))
    assert f"{missing}: no such file" in err

    utf16 = tmp_path / "utf16.bpmn"
    utf16.write_bytes(source("small_valid.bpmn").text.encode("utf-16"))
    err = _one_line_error(*budgetloop("process", "deploy", str(utf16)))
    assert f"{utf16}: not UTF-8" in err

    latin1 = tmp_path / "latin1.bpmn"
    latin1.write_bytes(b'<?xml version="1.0"?><a name="caf\xe9"/>')
    err = _one_line_error(
        *budgetloop("process", "deploy", str(DATA / "small_valid.bpmn"), str(latin1))
    )
    assert f"{latin1}: not UTF-8" in err
    assert snapshot(engine) == before


def test_cli_deploy_needs_files_or_shipped(budgetloop, engine):
    before = snapshot(engine)
    err = _one_line_error(*budgetloop("process", "deploy"))
    assert "--shipped" in err
    assert snapshot(engine) == before
