"""Department and third-party evaluations in the evaluation process, and how results combine."""

from __future__ import annotations

import random
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import func, select

from engine.actors import Actor
from engine.cycle.start import cycle_data
from engine.db import unit_of_work
from engine.demo.simulation import Choices, Simulation
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import (
    Evaluation,
    Organisation,
    PolicySetting,
    ProcessInstance,
    Project,
    Timer,
    User,
)
from engine.models.enums import OrgKind, Role
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks

# The shipped defaults (engine/data/policy_defaults.json), as the README documents them.
WEIGHTS = {
    "key": Decimal("0.5"),
    "third_party": Decimal("0.3"),
    "department": Decimal("0.3"),
    "self": Decimal("0.2"),
    "satisfaction_survey": Decimal("0.1"),
}
ITEMS = {"decision": "18", "process": "16", "output": "27", "effect": "24"}  # 85: grade B
AFTER_EVALUATION = {"rectification_feedback", "decision_confirmation"}


@pytest.fixture
def on_target(wf):
    """Simulated people on a project that meets its targets; nobody returns anything."""
    return Simulation(wf, Choices(rng=random.Random(7), return_rate=0.0, performance=lambda p: 1))


def _run_until(sessions, wf, clock, simulation, instance_id, forms, hold=frozenset()):
    """Complete the instance's tasks (except forms in `hold`) until one of `forms` is ready."""
    seen = set()
    for _ in range(300):
        tasks = ready_tasks(sessions, instance_id)
        seen.update(t.form for t in tasks)
        wanted = [t for t in tasks if t.form in forms]
        if wanted:
            return wanted[0], seen
        todo = [t for t in tasks if t.form not in hold]
        for task in todo:
            outcome = simulation.complete_one(sessions, task.id)
            assert outcome is not None and outcome.ok, outcome
        if todo:
            continue
        with sessions() as session:
            due = session.scalar(
                select(func.min(Timer.due_at)).where(
                    Timer.instance_id == instance_id, Timer.status == "waiting"
                )
            )
        assert due is not None, f"no task {forms} came (saw {sorted(seen, key=str)})"
        clock.set(max(clock(), due))
        stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
        assert stats.incidents == stats.conflicts == 0
    raise AssertionError(f"no task {forms} after 300 rounds")


def _user(session, org_id: int, role: Role) -> Actor:
    user = session.scalars(
        select(User).where(User.organisation_id == org_id, User.role == role).order_by(User.id)
    ).first()
    return Actor.of_user(user)


def _other_user(session, role: Role, *not_orgs: int) -> Actor:
    """A user of `role` in an organisation other than `not_orgs`."""
    user = session.scalars(
        select(User)
        .where(User.role == role, User.organisation_id.not_in(not_orgs))
        .order_by(User.id)
    ).first()
    return Actor.of_user(user)


def _second_department(sessions, department_id: int) -> Actor:
    """The small province has one department: add another, with a user."""
    with sessions() as session, session.begin():
        ours = session.get(Organisation, department_id)
        other = Organisation(
            code="D999",
            name="另一主管部门",
            kind=OrgKind.DEPARTMENT,
            region_code=ours.region_code,
            finance_desk_id=ours.finance_desk_id,
        )
        session.add(other)
        session.flush()
        user = User(
            login="department.d999", display_name="王五", role=Role.DEPARTMENT, organisation=other
        )
        session.add(user)
        session.flush()
        return Actor.of_user(user)


def _instance_data(sessions, wf, instance_id: int, task) -> dict:
    with sessions() as session:
        workflow = wf.load(session, session.get(ProcessInstance, instance_id), OPERATOR)
        return dict(workflow.get_task_from_id(UUID(task.task_id)).data)


def _evaluations(sessions, project_id: int) -> dict[str, Evaluation]:
    with sessions() as session:
        rows = session.scalars(
            select(Evaluation)
            .where(Evaluation.project_id == project_id, Evaluation.total_score.is_not(None))
            .order_by(Evaluation.id)
        ).all()
        session.expunge_all()
    return {e.kind.value: e for e in rows}


def _check_combined(result: dict, evaluations: dict[str, Evaluation]) -> None:
    """The combined score is the mean weighted by the documented defaults of the kinds present."""
    present = sum(WEIGHTS[kind] for kind in evaluations)
    expected = sum(e.total_score * WEIGHTS[kind] for kind, e in evaluations.items()) / present
    assert Decimal(result["score"]) == expected.quantize(Decimal("0.01"))
    basis = {row["kind"]: row for row in result["basis"]}
    assert set(basis) == set(evaluations)
    for kind, row in basis.items():
        assert Decimal(row["score"]) == evaluations[kind].total_score
        assert Decimal(row["weight"]).quantize(Decimal("1e-6")) == (
            WEIGHTS[kind] / present
        ).quantize(Decimal("1e-6"))
    assert abs(sum(Decimal(row["weight"]) for row in result["basis"]) - 1) < Decimal("1e-9")


def test_department_evaluation_is_the_departments_task_and_counts_in_the_result(
    sessions, wf, clock, province, start, on_target
):
    project_id = province[0]
    instance_id = start(project_id, key_evaluation=False, department_evaluation="department")
    task, _ = _run_until(sessions, wf, clock, on_target, instance_id, {"department_evaluation"})
    with sessions() as session:
        project = session.get(Project, project_id)
        department_id = session.get(Organisation, project.unit_id).parent_id
        owner = _user(session, department_id, Role.DEPARTMENT)
        unit = _user(session, project.unit_id, Role.UNIT)
    stranger = _second_department(sessions, department_id)
    assert task.role == "department" and task.org_id == department_id
    form = {"items": ITEMS, "findings": []}
    for actor in (stranger, unit):
        with sessions() as session, session.begin(), pytest.raises((Forbidden, NotFound)):
            wf.complete_task(session, task.id, form, actor)
    with sessions() as session, session.begin():
        assert wf.complete_task(session, task.id, form, owner).ok

    after, seen = _run_until(sessions, wf, clock, on_target, instance_id, AFTER_EVALUATION)
    assert not {"third_party_evaluation", "key_evaluation"} & seen
    evaluations = _evaluations(sessions, project_id)
    assert set(evaluations) == {"self", "department", "satisfaction_survey"}
    department = evaluations["department"]
    assert department.evaluator_org_id == department_id
    assert department.total_score == Decimal("85.00") and department.grade == "B"
    _check_combined(_instance_data(sessions, wf, instance_id, after)["result"], evaluations)


def test_third_party_evaluation_is_only_the_commissioned_firms(
    sessions, wf, clock, province, start, on_target
):
    project_id = province[1]
    instance_id = start(project_id, key_evaluation=True, department_evaluation="third_party")
    task, _ = _run_until(sessions, wf, clock, on_target, instance_id, {"third_party_evaluation"})
    data = _instance_data(sessions, wf, instance_id, task)
    firm, key_firm = data["third_party_org_id"], data["evaluator_org_id"]
    assert firm is not None and firm != key_firm
    assert task.role == "evaluator" and task.org_id == firm
    with sessions() as session:
        owner = _user(session, firm, Role.EVALUATOR)
        outsiders = [
            _other_user(session, Role.EVALUATOR, firm, key_firm),
            _user(session, key_firm, Role.EVALUATOR),
        ]
    form = {"items": ITEMS, "findings": ["项目资金拨付不及时"]}
    for actor in outsiders:
        with sessions() as session, session.begin(), pytest.raises((Forbidden, NotFound)):
            wf.complete_task(session, task.id, form, actor)
    with sessions() as session, session.begin():
        assert wf.complete_task(session, task.id, form, owner).ok

    # Finance's key evaluation follows, by its own evaluator, without the firm's findings.
    key_task, _ = _run_until(sessions, wf, clock, on_target, instance_id, {"key_evaluation"})
    assert key_task.role == "evaluator" and key_task.org_id == key_firm
    assert _instance_data(sessions, wf, instance_id, key_task)["findings"] == []
    after, _ = _run_until(sessions, wf, clock, on_target, instance_id, AFTER_EVALUATION)
    evaluations = _evaluations(sessions, project_id)
    assert set(evaluations) == {"self", "third_party", "key", "satisfaction_survey"}
    third_party = evaluations["third_party"]
    assert third_party.evaluator_org_id == firm and third_party.total_score == Decimal("85.00")
    assert evaluations["key"].evaluator_org_id == key_firm
    with sessions() as session:
        findings = session.get(Evaluation, third_party.id).findings
        assert [f.description for f in findings] == ["项目资金拨付不及时"]
        assert not session.get(Evaluation, evaluations["key"].id).findings
    result = _instance_data(sessions, wf, instance_id, after)["result"]
    assert result["needs_rectification"] is True
    _check_combined(result, evaluations)


def test_a_project_without_department_evaluation_skips_both(
    sessions, wf, clock, province, start, on_target
):
    project_id = province[2]
    instance_id = start(project_id, key_evaluation=False, department_evaluation="none")
    after, seen = _run_until(sessions, wf, clock, on_target, instance_id, AFTER_EVALUATION)
    assert "self_evaluation" in seen
    assert not {"department_evaluation", "third_party_evaluation", "key_evaluation"} & seen
    evaluations = _evaluations(sessions, project_id)
    assert set(evaluations) == {"self", "satisfaction_survey"}
    _check_combined(_instance_data(sessions, wf, instance_id, after)["result"], evaluations)


def _routes(session, project_ids) -> list[dict]:
    return [cycle_data(session, session.get(Project, pid)) for pid in project_ids]


def test_selection_follows_the_policy_and_is_stable(sessions, province):
    with sessions() as session, session.begin():
        region = session.get(Project, province[0]).fiscal_year.region_code
        first = _routes(session, province)
        assert first == _routes(session, province)
        for version, (share, third_party_share, expected) in enumerate(
            (("1", "0", {"department"}), ("1", "1", {"third_party"}), ("0", "1", {None})),
            start=1,
        ):
            session.add(
                PolicySetting(
                    key="department_evaluation",
                    region_code=region,
                    version=version,
                    body={"value": {"share": share, "third_party_share": third_party_share}},
                )
            )
            session.flush()
            data = _routes(session, province)
            assert {d["department_evaluation"] for d in data} == expected
            for d in data:
                firm = d["third_party_org_id"]
                assert (firm is not None) == (d["department_evaluation"] == "third_party")
                assert firm is None or firm != d["evaluator_org_id"]
        with pytest.raises(InvalidInput):
            cycle_data(session, session.get(Project, province[0]), department_evaluation="audit")
