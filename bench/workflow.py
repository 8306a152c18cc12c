"""Benchmark the workflow runtime: step cost against the bare library, throughput, growth.

1. Step cost ratio (SQLite). One command through the engine — load the instance, complete a
   user task, run to the next wait state, save, refresh the derived tables, audit, commit — timed
   around `wf.complete_task` in its own transaction, against the bare library doing the same step
   for the same definitions in the same run: `codec.load_full` (the library's full serializer,
   spec included), complete the task, `do_engine_steps`, `codec.dump_full`, nothing stored.
   Processes: a five-step process generated at run time (start → 5 user tasks → end) and the
   shipped `review` (department review → finance review, with its service tasks; the bare side
   answers the service tasks with a stub that returns what the real operation returns).
2. Throughput. A seeded province's projects each run their whole budget cycle (`start_cycle`,
   then `engine.simulation.drive` with simulated people) on SQLite and on a throwaway
   PostgreSQL 15; complete cycles per second, and the extrapolated time for 10,000 projects.
3. Growth. The step cost of the five-step process with 1k, 10k and 100k instances already in
   the database (the first ones started through the engine, the rest copied with
   INSERT … SELECT, as the output says).

Timings are printed, never asserted.

    .venv/bin/python bench/workflow.py [--quick] [--steps N] [--projects N]
                                       [--sizes 1000,10000,100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import String, cast, func, insert, literal, select, text  # noqa: E402

from bpmn.catalogue import Catalogue  # noqa: E402
from bpmn.script_engine import SafeScriptEngine  # noqa: E402
from bpmn.xml import Source  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.composition import build_engine, deploy_shipped, shipped_sources  # noqa: E402
from engine.cycle.start import cycle_data, start_cycle  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import (  # noqa: E402
    HumanTask,
    ProcessInstance,
    Project,
    TargetTable,
)
from engine.simulation import Choices, Simulation, drive  # noqa: E402
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from engine.workflow.clock import ManualClock  # noqa: E402
from engine.workflow.definitions import deploy  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

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


def engine_steps(sessions, wf, case: Case, starts: list[dict]) -> list[float]:
    """Start one instance per start datum, then time every user-task step through the engine."""
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
            started = time.perf_counter()
            with sessions() as session, session.begin():
                outcome = wf.complete_task(session, task_id, case.form(step), OPERATOR)
            times.append(time.perf_counter() - started)
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


def step_cost(scratch: Path, instances: int) -> None:
    print(
        "\n1. Step cost on SQLite: one command through the engine (load, complete a user task,\n"
        "   run to the next wait, save, derived tables, audit, commit) against the bare library\n"
        "   (load_full, complete, do_engine_steps, dump_full; nothing stored)"
    )
    url = fresh_sqlite(scratch, "steps")
    engine = create_db_engine(url)
    sessions = session_factory(engine)
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
        f"{'p95':>7} {'ratio':>6} {'p95 ratio':>9}"
    )
    for case, sources, starts in cases:
        bare = bare_steps(wf, sources, case, starts, clock)
        ours = engine_steps(sessions, wf, case, starts)
        (e_med, e_p95), (b_med, b_p95) = ms(ours), ms(bare)
        print(
            f"   {case.key:<11} {len(ours):>6,} {e_med:>10.2f} {e_p95:>7.2f} {b_med:>8.2f} "
            f"{b_p95:>7.2f} {e_med / b_med:>6.2f} {e_p95 / b_p95:>9.2f}"
        )
    engine.dispose()


# ---- 2. throughput: whole budget cycles with simulated people -------------------------------


def throughput(url: str, backend: str, projects: int) -> None:
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    clock = new_clock()
    wf = build_engine(clock)
    with sessions() as session, session.begin():
        deploy_shipped(session, wf, OPERATOR)
        seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=3))
    with sessions() as session:
        project_ids = session.scalars(select(Project.id).order_by(Project.id)).all()
    started = time.perf_counter()
    for project_id in project_ids:
        with sessions() as session, session.begin():
            outcome = start_cycle(session, wf, session.get(Project, project_id), OPERATOR)
        assert outcome.ok, outcome.error
    simulation = Simulation(wf, Choices(rng=random.Random(1)))
    stats = drive(
        simulation,
        sessions,
        clock,
        until=datetime(YEAR + 1, 12, 31, tzinfo=UTC),
        scope=f"cycle:{YEAR}-",
    )
    elapsed = time.perf_counter() - started
    with sessions() as session:
        completed = session.scalar(
            select(func.count())
            .select_from(ProcessInstance)
            .where(
                ProcessInstance.business_key.startswith(f"cycle:{YEAR}-"),
                ProcessInstance.status == "completed",
            )
        )
    engine.dispose()
    per_second = completed / elapsed if completed else 0.0
    commands = len(project_ids) + stats.tasks + stats.timers
    full_year = 10_000 / per_second / 60 if per_second else float("inf")
    print(
        f"   {backend:<10} {len(project_ids):>8,} {completed:>9,} {stats.tasks:>7,} "
        f"{stats.timers:>6,} {stats.incidents + stats.conflicts:>8,} {elapsed:>8.1f} "
        f"{commands / elapsed:>10.0f} {per_second:>9.2f} {full_year:>12.1f}"
    )


# ---- 3. growth: step cost with many instances in the database --------------------------------


def _copy_instances(session, upto: int) -> int:
    """Copy the instances (and their work-queue rows) of ids 1..n until there are `upto`."""
    instance, task = ProcessInstance.__table__, HumanTask.__table__
    count = session.scalar(select(func.count()).select_from(instance))
    top = session.scalar(select(func.max(instance.c.id)))
    copied = 0
    while count < upto:
        batch = min(upto - count, top)
        offset = session.scalar(select(func.max(instance.c.id)))
        rows = select(
            *(
                (instance.c.id + offset).label("id")
                if c.name == "id"
                else (c + literal("#") + cast(instance.c.id + offset, String)).label("business_key")
                if c.name == "business_key"
                else c
                for c in instance.c
            )
        ).where(instance.c.id <= batch)
        session.execute(insert(instance).from_select([c.name for c in instance.c], rows))
        columns = [c for c in task.c if c.name != "id"]
        session.execute(
            insert(task).from_select(
                [c.name for c in columns],
                select(
                    *(
                        (task.c.instance_id + offset).label("instance_id")
                        if c.name == "instance_id"
                        else c
                        for c in columns
                    )
                ).where(task.c.instance_id <= batch),
            )
        )
        count += batch
        copied += batch
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                "(SELECT max(id) FROM process_instance))"
            )
        )
    return copied


def growth(url: str, backend: str, scratch: Path, sizes: list[int], probes: int, real: int):
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    wf = build_engine(new_clock())
    with sessions() as session, session.begin():
        deploy(session, [five_step_source(scratch)], OPERATOR, wf.operations.names())
    started_real = copied = 0
    for size in sizes:
        # Background: started through the engine (100 a transaction) up to `real`, then copies.
        while started_real < min(size, real):
            with sessions() as session, session.begin():
                for _ in range(min(100, min(size, real) - started_real)):
                    outcome = wf.start(
                        session, FIVE_STEPS, f"background:{started_real}", {}, OPERATOR
                    )
                    assert outcome.ok, outcome.error
                    started_real += 1
        with sessions() as session, session.begin():
            copied += _copy_instances(session, size)
        with sessions() as session:
            present = session.scalar(select(func.count()).select_from(ProcessInstance))
        times = []
        for n in range(probes):
            with sessions() as session, session.begin():
                outcome = wf.start(session, FIVE_STEPS, f"probe:{size}:{n}", {}, OPERATOR)
            with sessions() as session:
                task_id = session.scalars(
                    select(HumanTask.id).where(
                        HumanTask.instance_id == outcome.instance_id, HumanTask.status == "ready"
                    )
                ).one()
            began = time.perf_counter()
            with sessions() as session, session.begin():
                assert wf.complete_task(session, task_id, {"answer": "ok"}, OPERATOR).ok
            times.append(time.perf_counter() - began)
        median, p95 = ms(times)
        print(
            f"   {backend:<10} {present:>9,} {started_real:>8,} {copied:>8,} {len(times):>6} "
            f"{median:>9.2f} {p95:>7.2f}"
        )
    engine.dispose()


# ---- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a run of a minute")
    parser.add_argument("--steps", type=int, help="instances per process for the step cost")
    parser.add_argument("--projects", type=int, help="projects for the throughput (200)")
    parser.add_argument("--sizes", help="instances in the database for the growth (1k,10k,100k)")
    parser.add_argument("--probes", type=int, help="steps timed at each growth size")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    steps = args.steps or (20 if args.quick else 100)
    projects = args.projects or (20 if args.quick else 200)
    sizes = [
        int(s)
        for s in (args.sizes or ("500,2000" if args.quick else "1000,10000,100000")).split(",")
    ]
    probes = args.probes or (30 if args.quick else 100)
    real = 1000
    print(f"budgetloop workflow benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    with tempfile.TemporaryDirectory(prefix="bench-workflow-") as scratch:
        scratch = Path(scratch)
        step_cost(scratch, steps)

        cluster = None if args.no_postgres else ThrowawayPostgres().start()
        try:
            print(
                "\n2. Throughput: whole budget cycles of a seeded province, simulated people\n"
                "   (start_cycle per project, then drive() to the end of the year's cycles)"
            )
            print(
                f"   {'database':<10} {'projects':>8} {'completed':>9} {'tasks':>7} {'timers':>6} "
                f"{'problems':>8} {'seconds':>8} {'commands/s':>10} {'cycles/s':>9} "
                f"{'10k min':>12}"
            )
            throughput(fresh_sqlite(scratch, "throughput"), "sqlite", projects)
            if cluster is not None:
                with_pg = cluster.url("postgres")
                migrate(with_pg)
                throughput(with_pg, "postgresql", projects)

            print(
                "\n3. Step cost as instances pile up (five-step process; the first "
                f"{real:,} instances started\n   through the engine, 100 a transaction; the "
                "rest copied with INSERT … SELECT, work-queue rows included)"
            )
            print(
                f"   {'database':<10} {'instances':>9} {'started':>8} {'copied':>8} "
                f"{'steps':>6} {'median ms':>9} {'p95':>7}"
            )
            growth(fresh_sqlite(scratch, "growth"), "sqlite", scratch, sizes, probes, real)
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
