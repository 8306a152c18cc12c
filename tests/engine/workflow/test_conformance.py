"""Conformance: SpiffWorkflow's own BPMN/DMN test files, deployed and run through the engine.

The corpus (`../shared/conformance/spiffworkflow`, LGPL, used as data only, never copied here)
was written by others for another purpose. For every file, on every backend:

- Deploying it alone, in a fresh database and transaction, either succeeds or raises
  `DefinitionRejected` whose problems each name the file and a reason, and an element unless
  the problem concerns the whole file. Any other exception fails the test.
- A file rejected *only* because it calls a process or decision it does not contain gets a
  second attempt: one deployment together with the files of its data folder (`bpmn/data`,
  `spiff/data`, …) that provide what it calls, transitively, the nearest folder and the most
  similar name first — the way SpiffWorkflow's own tests load them.
- An accepted BPMN file's primary process (its first executable process) is started with no
  data and driven: ready human tasks are completed with empty forms by an operator, the clock
  jumps to each due timer, within bounds. It must end completed, waiting (user task, timer,
  message, signal…) or with an incident whose error says a datum was missing — i.e. its tasks
  needed data. A command that runs for more than COMMAND_SECONDS fails the test.

Every file is a test of its own, so a failure names it. The counts are printed at the end
(`pytest -s`) and, with every file's problems and outcome, written to
tests/artifacts/conformance.txt. Set BUDGETLOOP_SHARED to the shared folder when it does not
sit beside the clone.
"""

from __future__ import annotations

import os
import re
import signal
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from bpmn.xml import BPMN_NS, Source
from engine.db import unit_of_work
from engine.errors import DefinitionRejected
from engine.models import HumanTask, Incident, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR

SHARED = Path(os.environ.get("BUDGETLOOP_SHARED") or Path(__file__).resolve().parents[4] / "shared")
CORPUS = SHARED / "conformance" / "spiffworkflow"
ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "conformance.txt"

MAX_TASKS = 25  # human tasks completed per instance before we call it "still waiting"
MAX_TIMERS = 10  # timer firings per instance (a cycle timer would go on for ever)
COMMAND_SECONDS = 5  # a command that takes longer is hung (commands take milliseconds)

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

# Problems that concern a whole file may name no element.
FILE_LEVEL = re.compile(
    r"not well-formed XML|no executable process|has no decision|not a BPMN 2\.0 or DMN document|"
    r"DMN version .* is not supported|cannot be parsed|DOCTYPE|larger than|"
    r"same file name appears twice|must be in the default namespace"
)
# Incidents that mean "the file's tasks needed data we did not give": the safe evaluator's
# words, and the library's for data objects and multi-instance inputs and outputs.
MISSING_DATA = re.compile(
    r"unknown name '|no key |could not be set; '[^']+' not exist|"
    r"Missing data input for multiinstance|Expected an output item"
)

CATEGORIES = [
    ("user task without role", re.compile(r"user task has no role")),
    ("user task with unknown role", re.compile(r"unknown role '")),
    (
        "unknown service operation",
        re.compile(
            r"unknown service operation|Service Task must have|service task has no operation"
        ),
    ),
    ("script task without a script", re.compile(r"script task has no script")),
    ("user task form not registered", re.compile(r"form '[^']*' is not registered")),
    ("form outcome without a path", re.compile(r"reaches no path|takes the same path as")),
    (
        "expression outside the safe grammar",
        re.compile(
            r"^(script|prescript|postscript|condition|parameter|cardinality|completion condition|"
            r"loop condition|input|output|cell|timer expression|payload expression)\b.*"
            r"(not allowed|only)"
        ),
    ),
    ("invalid timer", re.compile(r"^timer ")),
    (
        "called process not deployed",
        re.compile(r"which is not deployed|No DMN Diagram available|neither deployed nor"),
    ),
    ("XML/XSD invalid", re.compile(r"not well-formed|duplicate id|DOCTYPE|\(line \d+\)")),
    ("no executable process / no decision", re.compile(r"no executable process|has no decision")),
    (
        "not BPMN / DMN version not 1.3",
        re.compile(r"not a BPMN|DMN version|default namespace|no decision table"),
    ),
    ("recursive call activity", re.compile(r"recursive call activities")),
    ("DMN hit policy/overlap", re.compile(r"hit policy|rules overlap")),
    ("DMN file with several decisions", re.compile(r"a DMN file may hold only one")),
    (
        "BPMN construct the library refuses",
        re.compile(
            r"Data Store|data stores are not supported|Cancel Events|multiinstance task must|"
            r"loopMaximum|Loop Tasks|more than one outgoing sequence flow|"
            r"not a data object reference"
        ),
    ),
    ("library cannot parse/check it", re.compile(r"cannot be parsed|cannot be checked")),
]
OTHER = "other"

WAIT_KINDS = [
    (MessageEventDefinition, "message"),
    (SignalEventDefinition, "signal"),
    (TimerEventDefinition, "timer"),
    (ConditionalEventDefinition, "condition"),
    (ErrorEventDefinition, "error"),
    (EscalationEventDefinition, "escalation"),
]


def classify(reason: str) -> str:
    """The category of one problem's reason."""
    for name, pattern in CATEGORIES:
        if pattern.search(reason):
            return name
    return OTHER


# ---- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusFile:
    """A definition file of the corpus, with what it provides and calls (read from its XML)."""

    name: str  # the path inside the corpus: unique, and what every message names
    path: Path
    processes: tuple[str, ...]  # executable processes in document order
    provides: frozenset[str]  # executable processes and decisions
    needs: frozenset[str]  # called processes and decisions it does not contain itself

    @property
    def folder(self) -> str:
        """The data folder whose files may be deployed with it (e.g. `spiff/data`)."""
        return "/".join(self.name.split("/")[:2])


def _read(path: Path, name: str) -> CorpusFile:
    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError:
        return CorpusFile(name, path, (), frozenset(), frozenset())
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    processes = tuple(
        node.get("id")
        for node in root.iter(f"{{{BPMN_NS}}}process")
        if node.get("isExecutable", "false").lower() == "true" and node.get("id")
    )
    decisions = {
        node.get("id")
        for node in root.iter()
        if isinstance(node.tag, str) and etree.QName(node).localname == "decision"
    }
    needs = {node.get("calledElement") for node in root.iter(f"{{{BPMN_NS}}}callActivity")}
    needs |= {(node.text or "").strip() for node in root.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    needs |= {node.get(f"{{{CAMUNDA_NS}}}decisionRef") for node in root.iter()}
    return CorpusFile(
        name,
        path,
        processes,
        frozenset(set(processes) | decisions) - {None},
        # A call to an element of the file itself (an embedded subprocess) needs nothing more.
        frozenset(needs - ids - {None, ""}),
    )


def _corpus() -> dict[str, CorpusFile]:
    if not CORPUS.is_dir():
        return {}
    paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".bpmn", ".dmn") and p.is_file())
    files = {}
    for path in paths:
        name = path.relative_to(CORPUS).as_posix()
        files[name] = _read(path, name)
    return files


FILES = _corpus()


def _closeness(one: CorpusFile, other: CorpusFile) -> tuple[int, int, str]:
    """Sort key: fewest folders apart, then the longest common file-name prefix, then name."""
    a, b = Path(one.name).parent.parts, Path(other.name).parent.parts
    common = len(os.path.commonprefix([a, b]))
    prefix = len(os.path.commonprefix([Path(one.name).name, Path(other.name).name]))
    return (len(a) + len(b) - 2 * common, -prefix, other.name)


def siblings(corpus: CorpusFile) -> list[CorpusFile]:
    """The files of the same data folder that provide what `corpus` calls, transitively."""
    chosen: dict[str, CorpusFile] = {}
    provided = set(corpus.provides)
    pending = sorted(corpus.needs)
    while pending:
        wanted = pending.pop(0)
        if wanted in provided:
            continue
        candidates = [
            other
            for other in FILES.values()
            if other.folder == corpus.folder
            and other.name != corpus.name
            and wanted in other.provides
        ]
        if not candidates:
            continue
        best = min(candidates, key=lambda other: _closeness(corpus, other))
        chosen[best.name] = best
        provided |= best.provides
        pending.extend(sorted(best.needs))
    return [chosen[name] for name in sorted(chosen)]


def source(corpus: CorpusFile) -> Source:
    return Source(corpus.name, corpus.path.read_text(encoding="utf-8"))


# ---- the report ------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What happened to one file."""

    name: str
    deployed: str = ""  # accepted, accepted with siblings, rejected
    categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)
    outcome: str = ""  # completed, waiting: …, incident: data missing, incident: other, hung
    detail: str = ""
    tasks: int = 0
    timers: int = 0


RESULTS: dict[str, dict[str, FileResult]] = defaultdict(dict)


def summary(results: dict[str, FileResult]) -> list[str]:
    """The counts: deployment results, rejections by reason, outcomes of the runs."""
    deployed = Counter(r.deployed for r in results.values())
    rejected = [r for r in results.values() if r.deployed == "rejected"]
    first = Counter(r.categories[0] for r in rejected if r.categories)
    anywhere = Counter(c for r in rejected for c in set(r.categories))
    tried = "files" if len(results) == len(FILES) else f"files (of {len(FILES)}; -k ran a part)"
    lines = [f"{tried:<46} {len(results):>5}"]
    for status in ("accepted", "accepted with siblings", "rejected", ""):
        if deployed[status]:
            lines.append(f"  {status or 'did not finish':<44} {deployed[status]:>5}")
    lines.append(f"{'rejected, by reason (first problem; any)':<46} {'first':>5} {'any':>5}")
    for category, count in sorted(first.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {category:<44} {count:>5} {anywhere[category]:>5}")
    for category in sorted(set(anywhere) - set(first)):
        lines.append(f"  {category:<44} {0:>5} {anywhere[category]:>5}")
    outcomes = Counter(r.outcome for r in results.values() if r.outcome)
    lines.append(f"{'accepted BPMN files started with no data':<46} {sum(outcomes.values()):>5}")
    for outcome, count in sorted(outcomes.items()):
        lines.append(f"  {outcome:<44} {count:>5}")
    return lines


def details(results: dict[str, FileResult]) -> list[str]:
    lines = []
    for name in sorted(results):
        r = results[name]
        text = f"{name}: {r.deployed or 'did not finish'}"
        if r.siblings:
            text += f" (second attempt with {', '.join(r.siblings)})"
        if r.outcome:
            text += f" -> {r.outcome} [{r.tasks} tasks, {r.timers} timers]"
        lines.append(text)
        lines += [f"    problem: {problem}" for problem in r.problems]
        if r.detail:
            lines.append(f"    {r.detail}")
    return lines


@pytest.fixture(scope="module")
def report():
    """Print and write the summary once every file has been tried."""
    yield RESULTS
    if not RESULTS:
        return
    head, body = [f"Conformance corpus: {CORPUS}"], []
    for backend in sorted(RESULTS):
        head += ["", f"== {backend} ==", *summary(RESULTS[backend])]
        body += ["", f"== {backend}: every file ==", *details(RESULTS[backend])]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    print("\n" + "\n".join(head) + f"\n(every file: {ARTIFACT})")


# ---- deploying -------------------------------------------------------------------------------


def _attempt(sessions, wf, files: list[CorpusFile]) -> DefinitionRejected | None:
    """One deployment in a fresh transaction, committed when accepted."""
    try:
        with sessions() as session, session.begin():
            deploy(session, [source(f) for f in files], OPERATOR, wf.operations.names())
    except DefinitionRejected as rejected:
        return rejected
    except Exception as error:  # the acceptance: nothing but DefinitionRejected
        pytest.fail(
            f"{files[0].name}: deploy raised {type(error).__name__}: {error}", pytrace=False
        )
    return None


def _check_problems(name: str, rejected: DefinitionRejected) -> None:
    if not rejected.problems:
        pytest.fail(f"{name}: rejected without a single problem", pytrace=False)
    for problem in rejected.problems:
        if not problem.file or not (problem.reason or "").strip():
            pytest.fail(f"{name}: a problem names no file or no reason: {problem}", pytrace=False)
        if problem.element is None and not (
            FILE_LEVEL.search(problem.reason) or re.search(r"\(line \d+\)", problem.reason)
        ):
            pytest.fail(
                f"{name}: a problem names no element but is not about the whole file: "
                f"{problem.reason!r}",
                pytrace=False,
            )


# ---- running ---------------------------------------------------------------------------------


class Hung(BaseException):
    """A command ran past its deadline (a BaseException, so the engine cannot file it away)."""


@contextmanager
def deadline(result: FileResult, what: str):
    """Fail, instead of hanging the whole run, when one command runs away."""

    def expire(_signum, _frame):
        raise Hung

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(COMMAND_SECONDS)
    hung = False
    try:
        yield
    except Hung:
        hung = True
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if hung:
        result.outcome = "hung"
        result.detail = f"{what} did not return within {COMMAND_SECONDS} s"
        # Raised from None: the alarm that interrupted the engine is noise in the report.
        raise pytest.fail.Exception(f"{result.name}: {result.detail}", pytrace=False) from None


def _fire_due(sessions, wf) -> int:
    stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    return stats.fired + stats.incidents


def _kind(definition) -> str:
    for base, kind in WAIT_KINDS:
        if isinstance(definition, base):
            return kind
    return type(definition).__name__


def _waiting_for(sessions, wf, instance_id: int) -> str:
    """What a running instance with no ready task and no timer row waits for."""
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        workflow = wf.load(session, instance, OPERATOR)
    kinds = set()
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            kinds |= {_kind(d) for d in definition.event_definitions}
        elif definition is not None:
            kinds.add(_kind(definition))
    return " or ".join(sorted(kinds)) or "nothing"


def _incident(result: FileResult, error: str) -> None:
    missing = MISSING_DATA.search(error)
    result.outcome = "incident: data missing" if missing else "incident: other"
    result.detail = f"incident: {error}"


def _drive(sessions, wf, clock, result: FileResult, key: str) -> None:
    """Start the process with no data and drive it to its end or a wait it cannot pass."""
    with deadline(result, "start"), sessions() as session, session.begin():
        outcome = wf.start(session, key, f"conformance:{result.name}"[:100], {}, OPERATOR)
    if not outcome.ok:
        _incident(result, outcome.error or "")
        return
    instance_id = outcome.instance_id
    while True:
        with sessions() as session:
            status = session.scalar(
                select(ProcessInstance.status).where(ProcessInstance.id == instance_id)
            )
            ready = session.scalars(
                select(HumanTask.id)
                .where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
                .order_by(HumanTask.id)
            ).all()
            next_due = session.scalar(
                select(func.min(Timer.due_at)).where(
                    Timer.instance_id == instance_id, Timer.status == "waiting"
                )
            )
            error = session.scalar(
                select(Incident.error)
                .where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
                .order_by(Incident.id.desc())
                .limit(1)
            )
        if status == "completed":
            result.outcome = "completed"
            return
        if status == "incident":
            _incident(result, error or "")
            return
        if ready and result.tasks < MAX_TASKS:
            with deadline(result, "complete_task"), sessions() as session, session.begin():
                wf.complete_task(session, ready[0], {}, OPERATOR)
            result.tasks += 1
            continue
        if ready:
            result.outcome = "waiting: user task"
            result.detail = f"still asking for user tasks after {MAX_TASKS}"
            return
        if next_due is not None and result.timers < MAX_TIMERS:
            clock.set(max(clock(), next_due))
            with deadline(result, "fire_timers"):
                fired = _fire_due(sessions, wf)
            if not fired:
                result.outcome = "timer did not fire"
                result.detail = f"a timer due at {next_due} did not fire at {clock()}"
                pytest.fail(f"{result.name}: {result.detail}", pytrace=False)
            result.timers += fired
            continue
        if next_due is not None:
            result.outcome = "waiting: timer"
            result.detail = f"a timer is still due after {MAX_TIMERS} firings"
            return
        result.outcome = f"waiting: {_waiting_for(sessions, wf, instance_id)}"
        return


# ---- the test --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FILES) or ["(corpus missing)"])
def test_file_deploys_and_runs(name, backend, sessions, wf, clock, report):
    if not FILES:
        # A clone away from ../shared still passes its own tests; the corpus is someone else's.
        pytest.skip(
            f"the conformance corpus is not at {CORPUS}; set BUDGETLOOP_SHARED to the folder "
            "that holds conformance/spiffworkflow"
        )
    corpus = FILES[name]
    result = report[backend][name] = FileResult(name)
    rejected = _attempt(sessions, wf, [corpus])
    if rejected is None:
        result.deployed = "accepted"
    else:
        result.deployed = "rejected"
        result.problems = [str(p) for p in rejected.problems]
        result.categories = [classify(p.reason) for p in rejected.problems]
        _check_problems(name, rejected)
        extra = siblings(corpus)
        if set(result.categories) == {"called process not deployed"} and extra:
            result.siblings = [f.name for f in extra]
            again = _attempt(sessions, wf, [corpus, *extra])
            if again is None:
                result.deployed = "accepted with siblings"
            else:
                _check_problems(name, again)
                result.detail = "second attempt: " + "; ".join(str(p) for p in again.problems)
    if result.deployed == "rejected" or not corpus.processes:
        return  # rejected, or a DMN file: nothing to start

    _drive(sessions, wf, clock, result, corpus.processes[0])

    if result.outcome == "incident: other":
        pytest.fail(f"{name}: not about missing data: {result.detail}", pytrace=False)
    if result.outcome == "waiting: nothing":
        pytest.fail(f"{name}: the instance is running but waits for nothing", pytrace=False)
    assert result.outcome in ("completed", "incident: data missing") or result.outcome.startswith(
        "waiting: "
    ), result
