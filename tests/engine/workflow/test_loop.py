"""A project's whole year through the shipped processes, and the next year starting from it."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from engine import audit
from engine.db import unit_of_work
from engine.demo.simulation import Choices, Simulation
from engine.models import (
    AccountabilityAction,
    Alert,
    Allocation,
    Disclosure,
    Evaluation,
    FundingDecision,
    HumanTask,
    ProcessInstance,
    Project,
    RectificationOrder,
    TargetTable,
    Timer,
)
from engine.models.enums import AlertKind, Colour, DocumentStatus
from engine.policy import setting
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks


class ReturnOnceChoices(Choices):
    """Every reviewer returns a document the first time they see it, then approves."""

    def review(self, task, attempt):
        return "return" if attempt == 0 else "approve"


def _continuing_project(sessions, province) -> int:
    with sessions() as session:
        return session.scalars(
            select(Project.id).where(
                Project.id.in_(province),
                Project.is_continuing,
                Project.is_livelihood_exempt.is_(False),
            )
        ).first()


def _complete_ready(simulation, sessions, instance_ids, hold=()) -> int:
    done = 0
    for task in ready_tasks(sessions):
        if task.form in hold or task.instance_id not in instance_ids:
            continue
        outcome = simulation.complete_one(sessions, task.id)
        assert outcome is not None and outcome.ok, outcome
        done += 1
    return done


def _fire_due(wf, sessions) -> int:
    stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    assert stats.incidents == stats.conflicts == 0
    return stats.fired


def _next_due(sessions):
    with sessions() as session:
        return session.scalar(select(func.min(Timer.due_at)).where(Timer.status == "waiting"))


def test_a_whole_year_with_returns_escalation_and_next_year(sessions, wf, clock, province, start):
    project_id = _continuing_project(sessions, province)
    instance_id = start(project_id, key_evaluation=True)
    choices = ReturnOnceChoices(
        rng=random.Random(3),
        performance=lambda project: 0.7,
        # The overdue rectification makes the rules cancel; the finance desk keeps the
        # project at 80 % because the rectification was completed in the end.
        confirmation=lambda task: {
            "override_factor": "0.8",
            "override_reason": "整改已完成，压减后继续实施",
        },
    )
    simulation = Simulation(wf, choices)
    hold = {"rectification_feedback"}
    escalated = False
    for _ in range(200):
        if _complete_ready(simulation, sessions, {instance_id}, hold):
            continue
        feedback = [
            t for t in ready_tasks(sessions, instance_id) if t.form == "rectification_feedback"
        ]
        if feedback and not escalated:
            # The unit lets the rectification deadline pass: the boundary timer escalates.
            clock.set(_next_due(sessions) + timedelta(seconds=1))
            assert _fire_due(wf, sessions) >= 1
            forms = {t.form for t in ready_tasks(sessions, instance_id)}
            assert {"overdue_escalation", "rectification_feedback"} <= forms
            escalated, hold = True, set()
            continue
        due = _next_due(sessions)
        with sessions() as session:
            status = session.get(ProcessInstance, instance_id).status
        if status == "completed" or due is None:
            break
        clock.set(max(clock(), due))
        _fire_due(wf, sessions)

    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "completed"
        done = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "completed"
            )
        ).all()
        # Every document was returned once at each review level, revised and resubmitted.
        for document in (
            "target_table",
            "monitoring_report",
            "budget_adjustment",
            "self_evaluation",
        ):
            steps = [t.element_id for t in done if t.process_key == f"review__{document}"]
            assert steps.count("Task_DepartmentReview") == 3, (document, steps)
            assert steps.count("Task_FinanceReview") == 2, (document, steps)
            assert steps.count("Task_Revise") == 2, (document, steps)
        forms = [t.form for t in done]
        project = session.get(Project, project_id)
        table = session.scalars(
            select(TargetTable).where(TargetTable.project_id == project_id)
        ).one()
        assert table.status is DocumentStatus.FINAL
        red = session.scalars(
            select(Alert).where(Alert.project_id == project_id, Alert.kind == AlertKind.PROJECT)
        ).one()
        assert red.colour is Colour.RED
        # The unit's answer is kept on the alert for the supervisors who track it.
        assert red.response_course.value == "adjust_targets" and red.responded_at is not None
        order = session.scalars(
            select(RectificationOrder).where(RectificationOrder.project_id == project_id)
        ).one()
        assert order.overdue and order.closed_at is not None
        assert "overdue_escalation" in forms
        reminders = session.scalars(
            select(AccountabilityAction).where(AccountabilityAction.project_id == project_id)
        ).all()
        assert reminders
        decision = session.scalars(
            select(FundingDecision).where(FundingDecision.project_id == project_id)
        ).one()
        assert decision.facts["grade"] == "C", decision.facts
        assert decision.facts["rectification_overdue"] is True
        assert decision.kind.value == "cancel"
        # Rows combine: the overdue rectification's cancel is stronger than grade C's cut.
        assert decision.fired_rules == ["rectification_overdue_continuing", "grade_c"]
        assert decision.rule_set_id is not None
        assert decision.status.value == "overridden" and decision.override_factor == Decimal("0.8")
        allocation = session.scalars(
            select(Allocation).where(Allocation.project_id == project_id)
        ).one()
        assert allocation.factor == Decimal("0.8") and allocation.overridden
        assert allocation.amount == (allocation.requested * Decimal("0.8")).quantize(
            Decimal("0.01")
        )
        # The next year's cycle starts from the result: same project, the decided amount.
        successor = session.scalars(
            select(Project).where(Project.predecessor_id == project_id)
        ).one()
        assert successor.code.startswith("2027-")
        assert successor.requested_amount == allocation.amount
        next_instance = session.scalars(
            select(ProcessInstance).where(ProcessInstance.business_key == f"cycle:{successor.code}")
        ).one()
        assert next_instance.status == "running"
        first = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == next_instance.id, HumanTask.status == "ready"
            )
        ).one()
        assert first.form == "target_table" and first.org_id == project.unit_id
        # Diversified evaluators: self, key evaluation and the public's survey, weighted.
        evaluations = {
            e.kind.value: e.total_score
            for e in session.scalars(
                select(Evaluation)
                .where(Evaluation.project_id == project_id, Evaluation.total_score.is_not(None))
                .order_by(Evaluation.id)
            )
        }
        assert set(evaluations) == {"self", "key", "satisfaction_survey"}
        weights = {
            k: Decimal(v)
            for k, v in setting(session, "evaluation_combination", None, None)["weights"].items()
        }
        combined = sum(evaluations[k] * weights[k] for k in evaluations) / sum(
            weights[k] for k in evaluations
        )
        disclosed = session.scalars(
            select(Disclosure).where(
                Disclosure.project_id == project_id, Disclosure.kind == "grade"
            )
        ).one()
        assert disclosed.payload["score"] == str(combined.quantize(Decimal("0.01"), ROUND_HALF_UP))
        assert audit.verify(session).ok


def test_state_round_trips_through_the_serializer(sessions, wf, province, start, simulation):
    instance_id = start(province[0])
    for task in ready_tasks(sessions, instance_id)[:1]:
        assert simulation.complete_one(sessions, task.id).ok
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        workflow = wf.load(session, instance, OPERATOR)
        assert wf.codec.dump_state(workflow) == instance.state
        # The library's own full serialization restores the same state too.
        again = wf.codec.load_full(wf.codec.dump_full(workflow), workflow.script_engine)
        assert wf.codec.dump_state(again) == instance.state
