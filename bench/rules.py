"""Benchmark the rules host: decisions/s of the default rule set against plain Python, and memory.

Decisions: the same project outcomes go through `RulesHost.evaluate` (one call per project, as the
cycle applies rules), through `evaluate_many`, and through engine/results/default_policy.py's plain
`decide`, which is the ceiling; the two must make the same decisions.  Memory: resident set size
(VmRSS) before and after many evaluations and after registering many rule-set versions, each
measured after a warm-up.  Prints figures; asserts nothing about time.

    .venv/bin/python bench/rules.py [--quick] [--projects N] [--evaluations N] [--versions N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.results import default_policy as results  # noqa: E402
from rules import Facts, RulesHost, default_ruleset, parse_ruleset  # noqa: E402

SAME_RULE = {
    "poor_two_years_continuing": "poor_two_years",
    "rectification_overdue_continuing": "rectification_overdue",
}


def outcomes(count: int, seed: int = 2026) -> list[tuple[results.Facts, Facts]]:
    """Random project outcomes (domain.md's grade mix) as plain and as rules Facts."""
    rng = random.Random(seed)
    pairs = []
    for number in range(count):
        grade = rng.choices(["A", "B", "C", "D", None], weights=[70, 20, 5, 2, 3])[0]
        plain = results.Facts(
            grade=grade,
            previous_grade=rng.choices([None, "A", "B", "C", "D"], weights=[30, 45, 15, 7, 3])[0],
            is_continuing=rng.random() < 0.6,
            is_livelihood_exempt=rng.random() < 0.15,
            execution_rate=Decimal(rng.randint(200, 1_000)) / 1_000,
            rectification_overdue=rng.random() < 0.03,
            red_alert_unanswered=rng.random() < 0.03,
        )
        pairs.append((plain, Facts(f"2025-{number:07d}", 2025, **plain.__dict__)))
    return pairs


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def same(rule_decision, plain_decision) -> bool:
    return (
        rule_decision.kind.value == plain_decision.kind.value
        and rule_decision.factor == plain_decision.factor
        and [a.value for a in rule_decision.actions] == [a.value for a in plain_decision.actions]
        and tuple(SAME_RULE.get(n, n) for n in rule_decision.fired) == plain_decision.fired
        and rule_decision.needs_review == plain_decision.needs_review
        and rule_decision.reclaim == plain_decision.reclaim
    )


def throughput(projects: int) -> None:
    pairs = outcomes(projects)
    rules, host = default_ruleset(), RulesHost()
    host.register(rules)
    host.evaluate_many(rules, [facts for _, facts in pairs[:2_000]])  # warm-up

    started = time.perf_counter()
    decided = [host.evaluate(rules, facts) for _, facts in pairs]
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    batched = host.evaluate_many(rules, [facts for _, facts in pairs])
    many = time.perf_counter() - started
    started = time.perf_counter()
    plain = [results.decide(facts) for facts, _ in pairs]
    ceiling = time.perf_counter() - started

    differ = sum(not same(r, p) for r, p in zip(decided, plain, strict=True))
    differ += sum(a != b for a, b in zip(decided, batched, strict=True))
    print(f"decisions: {projects:,} project outcomes, default rule set")
    print(f"  rules, evaluate()       {projects / one_by_one:>12,.0f} decisions/s")
    print(f"  rules, evaluate_many()  {projects / many:>12,.0f} decisions/s")
    print(f"  plain Python decide()   {projects / ceiling:>12,.0f} decisions/s (ceiling)")
    print(f"  plain / rules           {one_by_one / ceiling:>12.1f} x")
    print(f"  decisions that differ   {differ:>12,}   (goal 0; rules goal >= 10,000/s)")


def memory_over_evaluations(evaluations: int) -> None:
    pairs = [facts for _, facts in outcomes(10_000, seed=7)]
    rules, host = default_ruleset(), RulesHost()
    for facts in pairs * 3:  # warm-up: allocator pools, caches
        host.evaluate(rules, facts)
    before = rss_mib()
    for index in range(evaluations):
        host.evaluate(rules, pairs[index % len(pairs)])
    after = rss_mib()
    print(f"memory: {evaluations:,} evaluations after warm-up")
    print(f"  VmRSS {before:,.1f} MiB -> {after:,.1f} MiB: growth {after - before:+.1f} MiB")
    print(f"  restarts {host.restarts}   (goal: growth < 10 MiB)")


def memory_over_versions(versions: int) -> None:
    base = json.loads(default_ruleset().to_json())
    facts = [facts for _, facts in outcomes(50, seed=11)]
    host = RulesHost()

    def version(number: int):
        body = {**base, "version": number}
        return parse_ruleset(json.dumps(body))

    for number in range(1, 41):  # warm-up: fill the compiled cache once
        host.evaluate_many(version(number), facts)
    before = rss_mib()
    for number in range(41, 41 + versions):
        host.evaluate_many(version(number), facts)
    after = rss_mib()
    print(f"memory: {versions:,} more rule-set versions registered and evaluated")
    print(f"  VmRSS {before:,.1f} MiB -> {after:,.1f} MiB: growth {after - before:+.1f} MiB")
    print(f"  registered {len(host.registered()):,}   (goal: growth < 10 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--evaluations", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=200)
    args = parser.parse_args()
    if args.quick:
        args.projects, args.evaluations, args.versions = 10_000, 50_000, 40
    throughput(args.projects)
    memory_over_evaluations(args.evaluations)
    memory_over_versions(args.versions)


if __name__ == "__main__":
    main()
