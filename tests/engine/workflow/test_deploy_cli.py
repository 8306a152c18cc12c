"""Deploying on the command line: the shipped definitions listed, and every refusal one line
that changes nothing."""

from __future__ import annotations

import pytest

from engine.composition import shipped_sources
from tests.engine.workflow.conftest import DATA, source
from tests.engine.workflow.deploy_support import _nothing_ran_yet  # noqa: F401  (autouse)
from tests.support.snapshot import snapshot

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
