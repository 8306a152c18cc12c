"""Part 1 of bench/workflow.py: the step cost of one command through the engine against the
bare library doing the same step for the same definitions (SQLite)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, func, select

from bench.workflow_common import (
    FIVE_STEPS,
    OPERATOR,
    YEAR,
    five_step_source,
    fresh_sqlite,
    ms,
    new_clock,
)
from bpmn.catalogue import Catalogue
from bpmn.script_engine import SafeScriptEngine
from bpmn.xml import Source
from engine.composition import build_engine, deploy_shipped, shipped_sources
from engine.cycle.start import cycle_data
from engine.db import create_db_engine, session_factory
from engine.models import (
    HumanTask,
    ProcessInstance,
    Project,
    TargetTable,
)
from engine.synthetic.province import SeedRequest, seed_province
from engine.workflow.definitions import deploy

# ---- 1. step cost: engine against the bare library ------------------------------------------


class Case:
    """One process whose user-task steps are timed: its key, start data and form answers."""

    def __init__(self, key: str, steps: int, form: Callable[[int], dict]) -> None:
        self.key = key
        self.steps = steps  # user tasks an instance passes from start to end
        self.form = form  # the data entered at step n (0-based)


def review_starts(session, count: int) -> list[dict]:
    """Start data for `review` instances: a real target table each, the cycle's org ids."""
    projects = session.scalars(select(Project).order_by(Project.id).limit(count)).all()
    starts = []
    for project in projects:
        data = cycle_data(session, project)
        table = session.scalars(
            select(TargetTable.id).where(TargetTable.project_id == project.id)
        ).first()
        starts.append({**data, "document": {"type": "target_table", "id": table}})
    return starts


def engine_steps(sessions, wf, case: Case, starts: list[dict], counter: list[int]) -> list[float]:
    """Start one instance per start datum, then time every user-task step through the engine;
    `counter[0]` gathers the SQL statements the timed commands sent (`count_statements`)."""
    instances = []
    for n, data in enumerate(starts):
        with sessions() as session, session.begin():
            outcome = wf.start(session, case.key, f"bench:{case.key}:{n}", data, OPERATOR)
        assert outcome.ok, outcome.error
        instances.append(outcome.instance_id)
    times = []
    for step in range(case.steps):
        for instance_id in instances:
            with sessions() as session:
                task_id = session.scalars(
                    select(HumanTask.id).where(
                        HumanTask.instance_id == instance_id, HumanTask.status == "ready"
                    )
                ).one()
            counter[1] = True
            started = time.perf_counter()
            with sessions() as session, session.begin():
                outcome = wf.complete_task(session, task_id, case.form(step), OPERATOR)
            times.append(time.perf_counter() - started)
            counter[1] = False
            assert outcome.ok, outcome.error
    with sessions() as session:
        done = session.scalar(
            select(func.count())
            .select_from(ProcessInstance)
            .where(ProcessInstance.id.in_(instances), ProcessInstance.status == "completed")
        )
    assert done == len(instances), f"{case.key}: {done} of {len(instances)} completed"
    return times


def bare_steps(wf, sources: list[Source], case: Case, starts: list[dict], clock) -> list[float]:
    """The same steps by the bare library: full deserialize, complete, run, full serialize."""
    spec, subprocess_specs = Catalogue(sources).bundle_specs(case.key)

    def services(name, params, task):
        # What set_document_status returns, without the database.
        return {"status": params.get("status")}

    script_engine = SafeScriptEngine(clock=clock, services=services)
    texts = []
    for data in starts:
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.task_tree.data.update(data)
        workflow.do_engine_steps()
        texts.append(wf.codec.dump_full(workflow))
    times = []
    for step in range(case.steps):
        for n, body in enumerate(texts):
            started = time.perf_counter()
            workflow = wf.codec.load_full(body, script_engine)
            (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
            task.set_data(**case.form(step))
            task.run()
            workflow.do_engine_steps()
            texts[n] = wf.codec.dump_full(workflow)
            times.append(time.perf_counter() - started)
    return times


def count_statements(engine) -> list:
    """[statements, counting]: every statement a command sends while counting is on — SQLite's
    BEGIN IMMEDIATE, SAVEPOINT and RELEASE go through the cursor; COMMIT (and PostgreSQL's
    BEGIN) through the connection — so the count is the command's round trips."""
    counter: list = [0, False]

    def sent(*_):
        if counter[1]:
            counter[0] += 1

    event.listen(engine, "before_cursor_execute", sent)
    event.listen(engine, "commit", sent)
    event.listen(engine, "rollback", sent)
    if engine.dialect.name != "sqlite":
        event.listen(engine, "begin", sent)
    return counter


def step_cost(scratch: Path, instances: int) -> None:
    print(
        "\n1. Step cost on SQLite: one command through the engine (load, complete a user task,\n"
        "   run to the next wait, save, derived tables, audit, commit) against the bare library\n"
        "   (load_full, complete, do_engine_steps, dump_full; nothing stored)"
    )
    url = fresh_sqlite(scratch, "steps")
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    counter = count_statements(engine)
    clock = new_clock()
    wf = build_engine(clock)
    five = five_step_source(scratch)
    with sessions() as session, session.begin():
        deploy_shipped(session, wf, OPERATOR)
        deploy(session, [five], OPERATOR, wf.operations.names())
        seed_province(session, SeedRequest(year=YEAR, projects=instances, seed=7))
    with sessions() as session:
        review_data = review_starts(session, instances)
    cases = [
        (Case(FIVE_STEPS, 5, lambda step: {f"answer_{step + 1}": "ok"}), [five], [{}] * instances),
        (
            Case("review", 2, lambda step: {"outcome": "approve", "comment": "同意"}),
            shipped_sources(),
            review_data,
        ),
    ]
    print(
        f"   {'process':<11} {'steps':>6} {'engine ms':>10} {'p95':>7} {'bare ms':>8} "
        f"{'p95':>7} {'ratio':>6} {'p95 ratio':>9} {'stmts/cmd':>9}"
    )
    for case, sources, starts in cases:
        bare = bare_steps(wf, sources, case, starts, clock)
        counter[0] = 0
        ours = engine_steps(sessions, wf, case, starts, counter)
        (e_med, e_p95), (b_med, b_p95) = ms(ours), ms(bare)
        print(
            f"   {case.key:<11} {len(ours):>6,} {e_med:>10.2f} {e_p95:>7.2f} {b_med:>8.2f} "
            f"{b_p95:>7.2f} {e_med / b_med:>6.2f} {e_p95 / b_p95:>9.2f} "
            f"{counter[0] / len(ours):>9.1f}"
        )
    engine.dispose()
