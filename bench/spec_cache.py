"""Benchmark what a start spends on its spec bundle: serialised at every start, or once.

On a database with the shipped processes deployed, times in the same run:

- baseline: what every start did before — read the newest definitions with their texts,
  serialise the budget cycle's bundle (the root process and all it calls) and upsert its row,
  body included;
- now: `DefinitionCache.bundle_for_start`, which reads the definitions' ids and hashes only,
  serialises once per deployed versions and at each start only asks whether the row is stored.

Prints the mean milliseconds per start of each, the bundle's size and the ratio.

    .venv/bin/python bench/spec_cache.py [--starts 300] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402

from engine.actors import Actor  # noqa: E402
from engine.composition import build_engine, deploy_shipped  # noqa: E402
from engine.cycle.start import CYCLE_PROCESS  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import ProcessSpec  # noqa: E402
from engine.workflow.definitions import latest_definitions  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402


def rebuild_and_upsert(wf, session) -> int:
    """The start's spec work as it was: read the newest definitions whole, serialise the bundle
    and upsert its row, every time (the parsed catalogue was cached then as now)."""
    definitions = wf.definitions
    latest_definitions(session)
    _key, catalogue, by_process = definitions._entry(session)
    bundle, versions = definitions._start_bundle(catalogue, by_process, CYCLE_PROCESS)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ProcessSpec)
        .values(sha256=bundle.sha256, body=bundle.body, versions=versions)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return len(bundle.body)


def mean_ms(sessions, work, starts: int) -> float:
    started = time.perf_counter()
    for _ in range(starts):
        with sessions() as session, session.begin():
            work(session)
    return (time.perf_counter() - started) * 1000 / starts


def run(name: str, url: str, starts: int) -> None:
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    wf = build_engine()
    with sessions() as session, session.begin():
        deploy_shipped(session, wf, Actor.system("bench"))
    with sessions() as session, session.begin():
        size = rebuild_and_upsert(wf, session)  # stores the row: both then find it there
    before = mean_ms(sessions, lambda s: rebuild_and_upsert(wf, s), starts)
    now = mean_ms(sessions, lambda s: wf.definitions.bundle_for_start(s, CYCLE_PROCESS), starts)
    engine.dispose()
    print(f"{name:<10} {size / 1024:>9.0f} {before:>12.2f} {now:>8.2f} {before / now:>7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(f"{'database':<10} {'spec KiB':>9} {'rebuild ms':>12} {'now ms':>8} {'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-spec-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/spec.sqlite3", args.starts)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.starts)


if __name__ == "__main__":
    main()
