"""Benchmark a tick's timer claim late in a year: passing over every fired timer, or only those
an attempt left waiting.

Builds a database with I process instances, each with a fired timer and a waiting one that is
due (the shape of a year after its first wave of timers), then times the real claim
(`engine.workflow.timer_claims.claim_due_timer`) in two ways in the same run:

- baseline: the skip list the tick used to keep, the ids of every timer fired so far this pass
  (its NOT IN grew with every fired timer);
- now: the tick passes over only timers an attempt left waiting, so the list is empty.

Prints the mean milliseconds per claim of each and the ratio.

    .venv/bin/python bench/tick_claims.py [--instances 10000] [--claims 200] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import ProcessDefinition, ProcessInstance, ProcessSpec, Timer  # noqa: E402
from engine.workflow.timer_claims import claim_due_timer  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

NOW = datetime(2027, 5, 1, tzinfo=UTC)


def build(url: str, instances: int) -> list[int]:
    """The year's shape: every instance has one fired timer and one due; returns fired ids."""
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        session.execute(insert(ProcessSpec).values(sha256="0" * 64, body="{}", versions={}))
        definition = session.scalar(
            insert(ProcessDefinition)
            .values(
                key="bench",
                version=1,
                kind="bpmn",
                file_name="bench.bpmn",
                sha256="0" * 64,
                source="<definitions/>",
                provides=["bench"],
                deployed_by="bench",
            )
            .returning(ProcessDefinition.id)
        )
        session.execute(
            insert(ProcessInstance),
            [
                {
                    "id": i, "definition_id": definition, "process_key": "bench",
                    "business_key": f"bench:{i}", "spec_sha256": "0" * 64, "status": "running",
                    "state": "{}",
                }
                for i in range(1, instances + 1)
            ],
        )  # fmt: skip
        timer = {"element_id": "Timer", "name": "timer"}
        session.execute(
            insert(Timer),
            [
                {**timer, "id": i, "instance_id": i, "task_id": "fired",
                 "due_at": NOW - timedelta(days=30), "status": "fired",
                 "fired_at": NOW - timedelta(days=30)}
                for i in range(1, instances + 1)
            ]
            + [
                {**timer, "id": instances + i, "instance_id": i, "task_id": "due",
                 "due_at": NOW - timedelta(minutes=i), "status": "waiting"}
                for i in range(1, instances + 1)
            ],
        )  # fmt: skip
    fired = list(range(1, instances + 1))
    engine.dispose()
    return fired


def mean_claim_ms(url: str, skip: set[int], claims: int) -> float:
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    try:
        started = time.perf_counter()
        for _ in range(claims):
            with sessions() as session, session.begin():
                timer = claim_due_timer(session, lambda: NOW, set(skip))
                assert timer is not None and timer.status == "waiting"
                session.rollback()
        return (time.perf_counter() - started) * 1000 / claims
    finally:
        engine.dispose()


def run(name: str, url: str, instances: int, claims: int) -> None:
    fired = build(url, instances)
    with session_factory(create_db_engine(url))() as session:
        assert session.scalar(select(Timer.id).where(Timer.status == "waiting").limit(1))
    mean_claim_ms(url, set(), 20)  # warm up
    before = mean_claim_ms(url, set(fired), claims)
    now = mean_claim_ms(url, set(), claims)
    print(f"{name:<10} {instances:>9} {before:>12.2f} {now:>10.2f} {before / now:>8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(f"{'database':<10} {'instances':>9} {'skip all ms':>12} {'now ms':>10} {'ratio':>9}")
    with tempfile.TemporaryDirectory(prefix="bench-tick-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/tick.sqlite3", args.instances, args.claims)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.instances, args.claims)


if __name__ == "__main__":
    main()
