"""The host keeps durable_rules' sharp edges away: sessions, isolation, action errors, restarts."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import durable_rules_engine
import pytest

from rules import (
    DecisionKind,
    EngineFailure,
    Facts,
    FactsInvalid,
    RuleActionFailed,
    RulesError,
    RulesHost,
    parse_ruleset,
)
from rules.compile import _message_ids, compile_ruleset, fnv1a32
from rules.host import host

ROOT = Path(__file__).resolve().parents[2]
# Two real-looking project codes whose 32-bit FNV-1a hashes collide in durable_rules.
FIRST, SECOND = "2025-0549599", "2025-0712382"
POOR = Facts(FIRST, 2025, "D", previous_grade="D", is_continuing=True)
GOOD = Facts(SECOND, 2025, "A", execution_rate=Decimal("0.9"))


def check_answers(decision_of_poor, decision_of_good) -> None:
    assert decision_of_poor.fired == ("poor_two_years_continuing", "grade_d_continuing")
    assert decision_of_good.fired == ("grade_a",)
    assert decision_of_poor.facts["project_code"] == FIRST
    assert decision_of_good.facts["project_code"] == SECOND


def test_the_two_ids_really_collide_and_durable_rules_then_mixes_sessions():
    assert fnv1a32(FIRST) == fnv1a32(SECOND)
    definition = {
        "join": {
            "all": [
                {"o": {"$and": [{"_fact": "outcome"}, {"grade": "D"}]}},
                {"p": {"$and": [{"_fact": "previous"}, {"grade": "D"}]}},
            ]
        }
    }
    handle = durable_rules_engine.create_ruleset("hazard", json.dumps(definition))
    try:
        previous = {"sid": FIRST, "id": "previous", "_fact": "previous", "grade": "D"}
        durable_rules_engine.assert_fact(handle, json.dumps(previous))
        outcome = {"sid": SECOND, "id": "outcome", "_fact": "outcome", "grade": "D"}
        _, state = durable_rules_engine.assert_fact(handle, json.dumps(outcome))
        _, matched = durable_rules_engine.start_action_for_state(handle, state)
        assert FIRST in matched and SECOND in matched  # one session's join saw the other's fact
        durable_rules_engine.complete_and_start_action(handle, state)
        durable_rules_engine.delete_state(handle, FIRST)
    finally:
        durable_rules_engine.delete_ruleset(handle)


def test_colliding_session_ids_never_see_each_others_facts(default):
    # The host is made to use exactly the colliding ids, alternately, for every session.
    colliding = RulesHost(session_ids=itertools.cycle([FIRST, SECOND]))
    for _ in range(200):
        check_answers(colliding.evaluate(default, POOR), colliding.evaluate(default, GOOD))
    answers, errors = [], []

    def worker(order: tuple[Facts, Facts]) -> None:
        try:
            for _ in range(300):
                answers.append([colliding.evaluate(default, facts) for facts in order])
        except Exception as error:  # reported below; a thread's exception would be lost
            errors.append(error)

    threads = [threading.Thread(target=worker, args=((POOR, GOOD),)) for _ in range(4)]
    threads += [threading.Thread(target=worker, args=((GOOD, POOR),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for first, second in answers:
        pair = (first, second) if first.facts["project_code"] == FIRST else (second, first)
        check_answers(*pair)


def test_message_ids_of_a_session_never_share_a_hash():
    ids, hashes = _message_ids([FIRST, SECOND, "outcome"])
    assert ids[FIRST] == FIRST and ids[SECOND] != SECOND and ids["outcome"] == "outcome"
    assert len(hashes) == 4  # three messages and the `close` event


def test_an_action_that_saw_another_sessions_facts_is_refused(default):
    plan = compile_ruleset(default)
    mixed = (
        '{"r0":{"outcome":{"project": "x", "sid": "8", "id": "outcome", "_fact": "outcome"},'
        '"previous":{"project": "x", "sid": "7", "id": "previous", "_fact": "previous"}}}'
    )
    with pytest.raises(RulesError, match="another session"):
        RulesHost()._fired(plan, "8", mixed)
    assert RulesHost()._fired(plan, "8", mixed.replace('"7"', '"8"')) == [0]


def test_two_thousand_evaluations_in_a_row_stay_under_the_session_cap(rules_host, default):
    decisions = [rules_host.evaluate(default, POOR if n % 2 else GOOD) for n in range(2_000)]
    assert rules_host.restarts == 0
    assert {decision.fired for decision in decisions} == {
        ("poor_two_years_continuing", "grade_d_continuing"),
        ("grade_a",),
    }


def test_sessions_where_nothing_fires_are_closed_safely_from_the_first_one(default):
    # durable_rules frees garbage when deleting a session that never ran an action; a brand
    # new engine rule set makes that the very first session.
    fresh = RulesHost()
    nothing = Facts("2025-0000001", 2025, None)
    for _ in range(1_500):
        assert fresh.evaluate(default, nothing).kind is DecisionKind.REVIEW
    assert fresh.restarts == 0


class FailingHost(RulesHost):
    """A host whose action for the grade_c rule raises, as a bug in an action would."""

    def _fired(self, plan, sid, text):
        if text.startswith('{"r7"'):
            raise ValueError("action bug")
        return super()._fired(plan, sid, text)


def test_an_action_that_raises_surfaces_as_an_error_not_a_non_decision(default):
    failing = FailingHost()
    for _ in range(1_100):  # the failed sessions are deleted too: no cap is reached
        with pytest.raises(RuleActionFailed, match="action bug") as caught:
            failing.evaluate(default, Facts("2025-0000002", 2025, "C"))
        assert isinstance(caught.value.__cause__, ValueError)
    assert failing.evaluate(default, GOOD).fired == ("grade_a",)
    assert failing.restarts == 0


def test_a_memory_error_restarts_the_host_and_retries_once(rules_host, default, monkeypatch):
    real = durable_rules_engine.assert_facts
    failures = iter([MemoryError()])

    def assert_facts(handle, message):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(handle, message)

    rules_host.register(default)
    monkeypatch.setattr(durable_rules_engine, "assert_facts", assert_facts)
    assert rules_host.evaluate(default, GOOD).fired == ("grade_a",)
    assert rules_host.restarts == 1
    assert rules_host.registered() == ("result-application@1",)

    failures = iter([MemoryError(), MemoryError()])
    with pytest.raises(EngineFailure):
        rules_host.evaluate(default, GOOD)
    assert rules_host.evaluate(default, POOR).fired == (
        "poor_two_years_continuing",
        "grade_d_continuing",
    )


def test_the_real_session_cap_is_survived_by_a_restart():
    # Run in a child process: if durable_rules crashed, only the child would die.
    script = """
import json
from decimal import Decimal
import durable_rules_engine
from rules import Facts, RulesHost, default_ruleset
durable_rules_engine.delete_state = lambda handle, sid: None  # leak every session
host, rules = RulesHost(), default_ruleset()
fired = [host.evaluate(rules, Facts(f"P{n}", 2025, "B")).fired for n in range(1_100)]
print(json.dumps({"restarts": host.restarts, "fired": sorted(set(fired))}))
"""
    child = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report == {"restarts": 1, "fired": [["grade_b"]]}  # the cap is 1,024 live sessions


def test_facts_of_the_wrong_type_are_refused(default):
    with pytest.raises(FactsInvalid, match="execution_rate"):
        Facts("2025-1", 2025, "A", execution_rate=0.5)  # a float, not a Decimal
    with pytest.raises(FactsInvalid, match="is_continuing"):
        Facts("2025-1", 2025, "A", is_continuing="yes")
    with pytest.raises(FactsInvalid, match="project_code"):
        Facts("", 2025, "A")
    with pytest.raises(FactsInvalid, match="expected Facts"):
        RulesHost().evaluate(default, {"grade": "A"})


def test_decimals_compare_exactly_with_a_threshold_no_double_holds():
    rules = parse_ruleset(
        json.dumps(
            {
                "name": "exact",
                "version": 1,
                "rules": [
                    {
                        "name": name,
                        "pri": pri,
                        "when": {"all": [{"fact": "outcome", "execution_rate": {op: 0.3}}]},
                        "then": {"decide": {"kind": "maintain"}},
                    }
                    for pri, (name, op) in enumerate(
                        [("below", "lt"), ("at", "eq"), ("above", "gt")]
                    )
                ],
            }
        )
    )
    evaluate = RulesHost().evaluate
    for rate, name in [
        ("0.3", "at"),
        ("0.30000000000000000001", "above"),
        ("0.29999999999999999999", "below"),
        ("0.2999999999999999888977697537", "below"),  # float(0.3) itself, written out
    ]:
        assert evaluate(rules, Facts("2025-3", 2025, "A", execution_rate=Decimal(rate))).fired == (
            name,
        )


def test_the_process_host_is_one_object(default):
    assert host() is host()
    assert host().evaluate(default, GOOD).ruleset == "result-application@1"
