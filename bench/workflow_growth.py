"""Part 3 of bench/workflow.py: the step cost of the five-step process as instances pile up in
the database (the first ones started through the engine, the rest copied)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import String, cast, func, insert, literal, select, text

from bench.workflow_common import FIVE_STEPS, OPERATOR, five_step_source, ms, new_clock
from engine.composition import build_engine
from engine.db import create_db_engine, session_factory
from engine.models import (
    HumanTask,
    ProcessInstance,
)
from engine.workflow.definitions import deploy

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
