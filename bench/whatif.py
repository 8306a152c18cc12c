"""Benchmark the what-if: a candidate rule set over a decided year, as a finance officer runs it.

Loads a province whose year was decided by the default rule set (bench/province_data.py: every
project's decision with its facts), then times, in the same run:

- `budgetloop rules simulate --ruleset FILE --year 2026`, the whole command as typed (start-up,
  imports, reading the decisions, the rules engine, the report), best of R runs;
- `engine.results.whatif.simulate` in this process, best of R (the host has the candidate registered
  after the first run);
- the baseline: the plain Python policy function (engine.results.default_policy.decide)
  deciding the same stored facts, which is the floor of what any rules engine can cost.

The goal: the whole command answers in under 2 s for a 10,000-project year.

    .venv/bin/python bench/whatif.py [--projects 10000] [--repeat 3] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench import province_data  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import FundingDecision  # noqa: E402
from engine.results import default_policy as results  # noqa: E402
from engine.results import whatif  # noqa: E402
from engine.results.rulesets import facts_from  # noqa: E402
from engine.synthetic.province import DEMO_REGION  # noqa: E402
from rules import default_ruleset, parse_ruleset  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

BUDGETLOOP = Path(sys.executable).parent / "budgetloop"
GOAL_S = 2.0


def candidate() -> dict:
    """The default policy with grade C cut by 20 % instead of 10 %, and grade B cut by 5 %."""
    body = json.loads(default_ruleset().to_json())
    for rule in body["rules"]:
        if rule["name"] == "grade_c":
            rule["then"]["decide"]["factor"] = 0.8
        if rule["name"] == "grade_b":
            rule["then"] = {"decide": {"kind": "cut", "factor": 0.95}}
    body["version"] = 2
    return body


def _best(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def run(label: str, url: str, scratch: Path, args) -> None:
    started = time.perf_counter()
    province_data.load(url, args.projects)
    print(f"{label}: {args.projects:,} projects loaded in {time.perf_counter() - started:.0f} s")
    ruleset_file = scratch / f"candidate-{label}.json"
    ruleset_file.write_text(json.dumps(candidate()), encoding="utf-8")
    env = {**os.environ, "BUDGETLOOP_DATABASE_URL": url, "BUDGETLOOP_INSTANCE_DIR": str(scratch)}
    command = [str(BUDGETLOOP), "rules", "simulate", "--ruleset", str(ruleset_file)]
    command += ["--year", str(province_data.YEAR), "--show", "0"]

    def cli():
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"simulate failed: {done.stderr.strip()}")
        return done.stdout.strip().splitlines()[0]

    cli_s, first_line = _best(args.repeat, cli)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    ruleset = parse_ruleset(candidate())
    try:

        def in_process():
            with sessions() as session:
                return whatif.simulate(session, ruleset, DEMO_REGION[0], province_data.YEAR)

        engine_s, outcome = _best(args.repeat, in_process)
        with sessions() as session:
            stored = [facts_from(f) for f in session.scalars(select(FundingDecision.facts))]
        plain = [
            results.Facts(
                **{k: v for k, v in f.__dict__.items() if k not in ("project_code", "year")}
            )
            for f in stored
        ]
        plain_s, _ = _best(args.repeat, lambda: [results.decide(f) for f in plain])
    finally:
        engine.dispose()
    delta = outcome.total_delta.quantize(Decimal("0.01"))
    print(f"  {first_line}")
    print(f"  {outcome.decisions:,} decisions, {len(outcome.changes):,} would change, Δ ¥{delta:,}")
    print(f"  {'measure':<44} {'seconds':>8} {'per s':>10}")
    for name, seconds in (
        ("budgetloop rules simulate (whole command)", cli_s),
        ("whatif.simulate in process", engine_s),
        ("baseline: plain Python policy, same facts", plain_s),
    ):
        print(f"  {name:<44} {seconds:>8.3f} {outcome.decisions / seconds:>10,.0f}")
    verdict = "met" if cli_s < GOAL_S else "MISSED"
    print(
        f"  in process / baseline: {engine_s / plain_s:.1f} ×; "
        f"goal (whole command < {GOAL_S:.0f} s): {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also on a PostgreSQL 15")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as scratch:
        scratch = Path(scratch)
        run("sqlite", f"sqlite:///{scratch}/whatif.sqlite3", scratch, args)
        if args.postgres:
            cluster = ThrowawayPostgres().start()
            try:
                run("postgresql", cluster.url(), scratch, args)
            finally:
                cluster.stop()


if __name__ == "__main__":
    main()
