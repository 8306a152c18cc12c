"""事前绩效评估 in the year's cycle: a new project of 5,000,000 元 or more, or a major policy, is
assessed before its targets are filed — by its department, or from 20,000,000 元 by a third
party the department commissions — and the conclusion decides whether it enters the year."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.models import (
    ExAnteAssessment,
    HumanTask,
    Organisation,
    ProcessInstance,
    Project,
    User,
)
from engine.models.enums import OrgKind, ProjectStatus
from engine.review.tasks import complete
from tests.engine.workflow.conftest import ready_tasks

PROPOSAL = {
    "necessity": "现有园所学位缺口约 600 个，需新建。",
    "feasibility": "选址和用地已落实，方案已论证。",
    "economy": "按每平方米 4,200 元测算，低于同类项目均价。",
    "targets": "新增学位 600 个，当年完工率 100%。",
}
ITEMS = {"necessity": 30, "feasibility": 25, "economy": 25, "targets": 20}


def _points(share: str) -> dict:
    return {k: str(Decimal(v) * Decimal(share)) for k, v in ITEMS.items()}


def _owner(session, task: HumanTask) -> Actor:
    query = select(User).where(User.role == task.role).order_by(User.id)
    if task.org_id is not None:
        query = query.where(User.organisation_id == task.org_id)
    return Actor.of_user(session.scalars(query).first())


def _do(sessions, wf, task: HumanTask, data: dict):
    with sessions() as session, session.begin():
        outcome = complete(session, wf, task.id, data, _owner(session, task))
    assert outcome.ok, outcome.error
    return outcome


def _new_projects(sessions, province, amounts: dict[int, tuple[str, bool]]) -> list[int]:
    """Make the first len(amounts) projects new ones requesting these amounts (major policy?)."""
    chosen = list(province[: len(amounts)])
    with sessions() as session, session.begin():
        for project_id, (amount, major) in zip(chosen, amounts.values(), strict=True):
            project = session.get(Project, project_id)
            project.predecessor_id = None
            project.requested_amount = Decimal(amount)
            project.is_major_policy = major
    return chosen


def test_a_new_major_project_is_assessed_before_filing_and_the_conclusion_decides(
    sessions, wf, province, start
):
    supported, adjusted, rejected, small, policy = _new_projects(
        sessions,
        province,
        {
            0: ("6000000", False),
            1: ("8000000", False),
            2: ("5000000", False),
            3: ("4999999.99", False),
            4: ("1000000", True),
        },
    )
    instances = {p: start(p) for p in (supported, adjusted, rejected, small, policy)}
    # The small project files its targets at once; the others first state their proposal.
    assert [t.form for t in ready_tasks(sessions, instances[small])] == ["target_table"]
    for project in (supported, adjusted, rejected, policy):
        [task] = ready_tasks(sessions, instances[project])
        assert (task.form, task.role) == ("ex_ante_proposal", "unit")
        _do(sessions, wf, task, PROPOSAL)
        [task] = ready_tasks(sessions, instances[project])
        assert (task.form, task.role) == ("ex_ante_assessment", "department")
        with sessions() as session:
            department = session.get(Organisation, task.org_id) if task.org_id else None
            assessment = session.scalars(
                select(ExAnteAssessment).where(ExAnteAssessment.project_id == project)
            ).one()
            assert assessment.proposal == PROPOSAL and assessment.status.value == "submitted"
            assert assessment.assessor == "department"
            unit = session.get(Project, project).unit
            assert assessment.assessor_org_id == unit.parent_id
            assert department is None or department.kind is OrgKind.DEPARTMENT

    [task] = ready_tasks(sessions, instances[supported])
    _do(sessions, wf, task, {"items": _points("0.9"), "opinion": "必要性充分，建议予以支持"})
    [task] = ready_tasks(sessions, instances[adjusted])
    _do(
        sessions,
        wf,
        task,
        {
            "items": _points("0.7"),
            "opinion": "投入偏高，核减后支持",
            "recommended_amount": "6800000",
        },
    )
    [task] = ready_tasks(sessions, instances[rejected])
    _do(sessions, wf, task, {"items": _points("0.5"), "opinion": "立项依据不足，不予支持"})

    with sessions() as session:
        conclusions = {
            a.project_id: (a.conclusion, a.total_score, a.recommended_amount)
            for a in session.scalars(select(ExAnteAssessment))
        }
        assert conclusions[supported] == ("support", Decimal(90), None)
        assert conclusions[adjusted] == ("adjust", Decimal(70), Decimal(6800000))
        assert conclusions[rejected] == ("reject", Decimal(50), None)
        # Supported and adjusted projects go on to file their targets; adjusted at the amount
        # recommended. The rejected one does not enter the year: its cycle has ended.
        assert session.get(Project, adjusted).approved_amount == Decimal(6800000)
        # 调整后支持 revises the request itself: next year's allocation (requested × factor)
        # stands on what the assessment allowed, not on the 8,000,000 it cut; the assessment
        # keeps the request it assessed, and the fund lines still add up to the request.
        revised = session.get(Project, adjusted)
        assert revised.requested_amount == Decimal(6800000)
        assert sum(line.amount for line in revised.fund_lines) == Decimal(6800000)
        requests = {
            a.project_id: a.requested_amount for a in session.scalars(select(ExAnteAssessment))
        }
        assert requests[adjusted] == Decimal(8000000)
        assert requests[supported] == session.get(Project, supported).requested_amount
        assert session.get(Project, supported).requested_amount == Decimal(6000000)
        assert session.get(Project, rejected).status is ProjectStatus.CANCELLED
        assert session.get(ProcessInstance, instances[rejected]).status == "completed"
    assert [t.form for t in ready_tasks(sessions, instances[supported])] == ["target_table"]
    assert [t.form for t in ready_tasks(sessions, instances[adjusted])] == ["target_table"]
    assert ready_tasks(sessions, instances[rejected]) == []


def test_a_third_party_assesses_from_twenty_million_and_a_bad_score_changes_nothing(
    sessions, wf, province, start
):
    (large,) = _new_projects(sessions, province, {0: ("20000000", False)})
    instance = start(large)
    [task] = ready_tasks(sessions, instance)
    _do(sessions, wf, task, PROPOSAL)
    [task] = ready_tasks(sessions, instance)
    assert (task.form, task.role) == ("ex_ante_assessment", "evaluator")
    with sessions() as session:
        firm = session.get(Organisation, task.org_id)
        assert firm.kind is OrgKind.EVALUATOR
        assessment = session.scalars(select(ExAnteAssessment)).one()
        assert (assessment.assessor, assessment.assessor_org_id) == ("third_party", firm.id)
    # An item above its weight: refused with the item named; the task waits as it was.
    with pytest.raises(InvalidInput) as refused:
        with sessions() as session, session.begin():
            items = {**_points("0.9"), "necessity": "31"}
            complete(session, wf, task.id, {"items": items, "opinion": "好"}, _owner(session, task))
    assert "items.necessity" in refused.value.errors
    [still] = ready_tasks(sessions, instance)
    assert still.id == task.id
    with sessions() as session:
        assert session.scalars(select(ExAnteAssessment)).one().conclusion is None


def test_a_continued_project_is_not_assessed_again(sessions, wf, province, start):
    (project,) = _new_projects(sessions, province, {0: ("9000000", True)})
    with sessions() as session, session.begin():
        session.get(Project, project).predecessor_id = province[-1]
    instance = start(project)
    assert [t.form for t in ready_tasks(sessions, instance)] == ["target_table"]


def _assessment_task(sessions, wf, province, start, amount: str = "8000000") -> tuple:
    (project,) = _new_projects(sessions, province, {0: (amount, False)})
    instance = start(project)
    [task] = ready_tasks(sessions, instance)
    _do(sessions, wf, task, PROPOSAL)
    [task] = ready_tasks(sessions, instance)
    return project, instance, task


def _refused(sessions, wf, task, data: dict) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        with sessions() as session, session.begin():
            complete(session, wf, task.id, data, _owner(session, task))
    return refused.value


def test_a_refusal_names_the_item_its_range_and_the_amount_allowed(sessions, wf, province, start):
    project, instance, task = _assessment_task(sessions, wf, province, start)
    over = _refused(
        sessions, wf, task, {"items": {**_points("0.7"), "economy": "26"}, "opinion": "好"}
    )
    assert (over.key, over.params["name"], over.params["max"]) == (
        "ex_ante_item_out_of_range",
        "投入经济性",
        "25",
    )
    # An item left blank is not scored yet, named as such (not "not a number").
    blank = _refused(
        sessions, wf, task, {"items": {**_points("0.7"), "feasibility": None}, "opinion": "好"}
    )
    assert (blank.key, blank.params["name"]) == ("ex_ante_item_not_scored", "实施可行性")
    too_much = _refused(
        sessions,
        wf,
        task,
        {"items": _points("0.7"), "opinion": "核减", "recommended_amount": "8000000.01"},
    )
    assert too_much.key == "ex_ante_amount_out_of_range"
    assert too_much.params == {"amount": "8,000,000.01", "requested": "8,000,000.00"}
    # An amount beside points that conclude 建议予以支持 would be dropped unseen: refused.
    unseen = _refused(
        sessions,
        wf,
        task,
        {"items": _points("0.9"), "opinion": "支持", "recommended_amount": "6000000"},
    )
    assert unseen.key == "ex_ante_amount_not_adjusted"
    assert (unseen.params["total"], unseen.params["conclusion"]) == ("90.00", "建议予以支持")
    [still] = ready_tasks(sessions, instance)
    assert still.id == task.id
    with sessions() as session:
        assert session.get(Project, project).approved_amount is None
        assert session.scalars(select(ExAnteAssessment)).one().conclusion is None


def test_points_are_kept_to_the_cent_never_in_exponent_notation(sessions, wf, province, start):
    project, _instance, task = _assessment_task(sessions, wf, province, start)
    items = {"necessity": "2.7e1", "feasibility": "22.555", "economy": "20", "targets": "16"}
    _do(sessions, wf, task, {"items": items, "opinion": "建议予以支持"})
    with sessions() as session:
        assessment = session.scalars(select(ExAnteAssessment)).one()
        assert assessment.scores == {
            "necessity": "27.00",
            "feasibility": "22.56",
            "economy": "20.00",
            "targets": "16.00",
        }
        # The total is the sum of the rows as kept.
        assert (assessment.total_score, assessment.conclusion) == (Decimal("85.56"), "support")
