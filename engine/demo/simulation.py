"""Simulated actors: fill each form the way units, reviewers and evaluators would.

Used by `budgetloop demo` to run a province's year, by the tests to drive whole loops, and by
the benchmarks. Every choice goes through a `Choices` object so a test can script it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import unit_of_work
from engine.demo.department_forms import department_form
from engine.demo.draws import fraction
from engine.department_key import PREFIX
from engine.errors import Conflict
from engine.evaluation.surveys import record_survey
from engine.models import HumanTask, Indicator, ProcessInstance, Project, TargetTable, Timer, User
from engine.models.enums import Operator
from engine.review.tasks import complete
from engine.workflow.partition import EVERYTHING, Partition
from engine.workflow.ticker import fire_due_timers


@dataclass
class Choices:
    """The decisions simulated people make; defaults follow the distributions of domain.md."""

    rng: random.Random = field(default_factory=lambda: random.Random(1))
    return_rate: float = 0.08
    # How well a project performs: 1.0 on target; drawn once per project.
    performance: Callable[[Project], float] | None = None
    course: Callable[[HumanTask], str] = lambda task: "adjust_targets"
    # The finance desk's answer to a proposed decision: confirm, or override with a reason.
    confirmation: Callable[[HumanTask], dict] = lambda task: {"confirm": True}

    def review(self, task: HumanTask, attempt: int) -> str:
        """'approve' or 'return' for a review task (a document returned once is rarely again)."""
        rate = self.return_rate if attempt == 0 else self.return_rate / 4
        return "return" if self.rng.random() < rate else "approve"

    def project_performance(self, project: Project) -> float:
        if self.performance is not None:
            return self.performance(project)
        # Mostly on target (grades ≈ 75 % A), a tail of weak projects.
        return min(
            1.25, max(0.2, self.rng.gauss(1.0, 0.08) - (0.35 if self.rng.random() < 0.04 else 0.0))
        )


class Simulation:
    """Complete ready tasks as their owners would, one transaction per task."""

    def __init__(self, engine, choices: Choices | None = None) -> None:
        self.engine = engine
        self.choices = choices or Choices()
        self._attempts: dict[tuple[str, str], int] = {}
        self._performance: dict[int, float] = {}

    def actor_for(self, session: Session, task: HumanTask) -> Actor:
        """The user who owns the task (the first of its role in its organisation)."""
        query = select(User).where(User.role == task.role).order_by(User.id).limit(1)
        if task.org_id is not None:
            query = query.where(User.organisation_id == task.org_id)
        user = session.scalars(query).first()
        return Actor.of_user(user) if user else Actor.system("simulation")

    def form(self, session: Session, task: HumanTask) -> dict:
        """What the owner enters in the task's form."""
        if task.business_key.startswith(PREFIX):
            return department_form(self, session, task)
        project = session.scalars(
            select(Project).where(Project.code == task.business_key.split(":", 1)[1])
        ).one()
        filler = getattr(self, f"_{task.form}", None)
        return filler(session, task, project) if filler else {}

    def _performance_of(self, project: Project) -> float:
        if project.id not in self._performance:
            self._performance[project.id] = self.choices.project_performance(project)
        return self._performance[project.id]

    def _review(self, session, task, project) -> dict:
        key = (task.business_key, task.process_key, task.element_id)
        attempt = self._attempts.get(key, 0)
        self._attempts[key] = attempt + 1
        outcome = self.choices.review(task, attempt)
        comment = "指标设置不够细化，请补充完善后重新报送" if outcome == "return" else "同意"
        return {"outcome": outcome, "comment": comment}

    def _revise(self, session, task, project) -> dict:
        return {"comment": "已按审核意见修改完善"}

    def _target_table(self, session, task, project) -> dict:
        return {"confirmed": True}

    def _indicators(self, session, project) -> list[Indicator]:
        table = session.scalars(
            select(TargetTable)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
        ).first()
        return list(table.indicators) if table else []

    def _monitoring_report(self, session, task, project) -> dict:
        performance = self._performance_of(project)
        rng = self.choices.rng
        budget = project.approved_amount or project.requested_amount
        # Execution is back-loaded (≈38 % by June, 55 % by August): ≈47 % at the end of July.
        executed = budget * Decimal(str(max(0.0, 0.47 * performance + rng.gauss(0, 0.05))))
        rows = []
        for indicator in self._indicators(session, project):
            row = {"indicator_id": indicator.id, "likelihood": "possible"}
            if indicator.operator is Operator.QUALITATIVE:
                row["band"] = "achieved" if performance > 0.9 else "partly"
            elif indicator.operator in (Operator.LE, Operator.LT):
                row["actual"] = str(indicator.target_value * Decimal("0.9"))
            else:
                pace = Decimal(str(max(0.0, 7 / 12 * performance + rng.gauss(0, 0.05))))
                row["actual"] = str((indicator.target_value * pace).quantize(Decimal("0.01")))
            if performance < 0.7:
                row.update(
                    likelihood="possible", reason="funding", note="资金到位较晚，项目进度滞后"
                )
            rows.append(row)
        return {"executed_to_date": str(executed.quantize(Decimal("0.01"))), "rows": rows}

    def _alert_response(self, session, task, project) -> dict:
        return {
            "course": self.choices.course(task),
            "explanation": "受资金拨付进度影响执行偏慢，已制定整改措施加快实施",
        }

    def _adjustment_request(self, session, task, project) -> dict:
        return {"explanation": "根据监控结果调整年度绩效目标", "amount_change": None}

    def _self_evaluation(self, session, task, project) -> dict:
        performance = self._performance_of(project)
        rng = self.choices.rng
        # The public's view arrives with the self-evaluation: a beneficiary survey.
        respondents = rng.randint(60, 400)
        share = min(1.0, max(0.3, 0.82 + (performance - 1.0) * 0.6 + rng.gauss(0, 0.04)))
        record_survey(
            session,
            project.id,
            satisfied=round(respondents * share),
            respondents=respondents,
            actor="simulation",
            now=self.engine.clock(),
        )
        budget = project.approved_amount or project.requested_amount
        executed = budget * Decimal(str(min(1.0, max(0.3, 0.97 * performance))))
        scores = []
        for indicator in self._indicators(session, project):
            row = {"indicator_id": indicator.id}
            if indicator.operator is Operator.QUALITATIVE:
                if performance >= 0.95:
                    row.update(band="achieved", band_pct="0.95")
                elif performance >= 0.75:
                    row.update(band="partly", band_pct="0.7")
                else:
                    row.update(band="not_achieved", band_pct="0.4")
            elif indicator.operator in (Operator.LE, Operator.LT):
                ratio = Decimal("0.95") if performance >= 0.9 else Decimal("1.3")
                row["actual"] = str((indicator.target_value * ratio).quantize(Decimal("0.01")))
            else:
                achieved = max(0.0, performance + rng.gauss(0, 0.04))
                row["actual"] = str(
                    (indicator.target_value * Decimal(str(achieved))).quantize(Decimal("0.01"))
                )
            row["reason"] = "受客观因素影响未完全达到年度目标"
            scores.append(row)
        return {"executed": str(executed.quantize(Decimal("0.01"))), "scores": scores}

    def _ex_ante_proposal(self, session, task, project) -> dict:
        return {
            "necessity": f"{project.name}是落实本地区发展规划的重点任务，现有条件难以满足需求。",
            "feasibility": "项目实施方案已经论证，建设条件和组织保障落实。",
            "economy": "投入测算参照同类项目标准，资金来源明确。",
            "targets": "绩效目标与项目内容匹配，指标可量化、可考核。",
        }

    def _ex_ante_assessment(self, session, task, project) -> dict:
        """Most new projects are supported, one in five after adjustment, one in ten not;
        drawn from the project's code, so the year's other draws stay as the seed made them."""
        draw = fraction(project.code, "ex_ante")
        share, opinion = Decimal("0.88"), "项目必要性充分，方案可行，建议予以支持"
        amount = None
        if draw < 0.1:
            share, opinion = Decimal("0.52"), "立项依据不足，投入测算偏高，不予支持"
        elif draw < 0.3:
            share, opinion = Decimal("0.72"), "投入测算偏高，建议核减后支持"
            amount = str((project.requested_amount * Decimal("0.85")).quantize(Decimal("0.01")))
        items = {"necessity": 30, "feasibility": 25, "economy": 25, "targets": 20}
        return {
            "items": {k: str(Decimal(v) * share) for k, v in items.items()},
            "opinion": opinion,
            "recommended_amount": amount,
        }

    def _key_evaluation(self, session, task, project) -> dict:
        performance = self._performance_of(project)
        share = Decimal(str(min(1.0, max(0.3, performance * 0.9))))
        items = {"decision": 20, "process": 20, "output": 30, "effect": 30}
        findings = ["部分绩效指标未量化，目标设置偏低"] if performance < 0.8 else []
        return {
            "items": {
                k: str((Decimal(v) * share).quantize(Decimal("0.01"))) for k, v in items.items()
            },
            "findings": findings,
        }

    def _department_evaluation(self, session, task, project) -> dict:
        return self._outside_evaluation(project)

    def _third_party_evaluation(self, session, task, project) -> dict:
        return self._outside_evaluation(project)

    def _outside_evaluation(self, project) -> dict:
        """A department's or its commissioned firm's scoring: stricter than the unit's own.

        Calibrated on domain.md's key-evaluation grades (≈ 20 % A, 45 % B, 28 % C, 7 % D): an
        on-target project scores about 85, and one in ten has a management problem that the
        unit's self-evaluation did not show and that costs it about 25 points.
        """
        rng = self.choices.rng
        score = 85 + 60 * (self._performance_of(project) - 1.0) + rng.gauss(0, 5)
        problem = rng.random() < 0.1
        share = Decimal(str(min(100.0, max(30.0, score - (25 if problem else 0))) / 100))
        items = {"decision": 20, "process": 20, "output": 30, "effect": 30}
        findings = []
        if problem:
            findings.append("资金管理和使用不够规范，部分支出依据不充分")
        if share < Decimal("0.7"):
            findings.append("项目实施进度滞后，部分绩效目标未完成")
        return {
            "items": {
                k: str((Decimal(v) * share).quantize(Decimal("0.01"))) for k, v in items.items()
            },
            "findings": findings,
        }

    def _rectification_feedback(self, session, task, project) -> dict:
        return {"feedback": "已对照问题逐项整改，完善项目管理制度"}

    def _rectification_review(self, session, task, project) -> dict:
        key = (task.business_key, "rectification_review")
        attempt = self._attempts.get(key, 0)
        self._attempts[key] = attempt + 1
        if self.choices.review(task, attempt) == "return":
            return {"outcome": "return", "comment": "整改措施不够具体，请补充整改佐证后重新报送"}
        return {"outcome": "accept"}

    def _overdue_escalation(self, session, task, project) -> dict:
        return {"action": "interview", "comment": "约谈单位负责人，督促限期完成整改"}

    def _decision_confirmation(self, session, task, project) -> dict:
        return self.choices.confirmation(task)

    def complete_one(self, sessions, task_id: int):
        """Complete one ready task in its own transaction; returns the outcome."""
        with sessions() as session, session.begin():
            task = session.get(HumanTask, task_id)
            if task is None or task.status != "ready":
                return None
            data = self.form(session, task)
            # As a person's command: the form's checks, and what the command keeps besides (the
            # document a reviewer returns, for the next reviewer to compare).
            return complete(session, self.engine, task.id, data, self.actor_for(session, task))


@dataclass
class DriveStats:
    """What a drive did."""

    tasks: int = 0
    timers: int = 0
    incidents: int = 0
    conflicts: int = 0


def drive(
    simulation: Simulation,
    sessions,
    clock,
    *,
    until,
    max_tasks: int = 10_000_000,
    scope: str | tuple[str, ...] = "",
    progress: Callable[[DriveStats, object], None] | None = None,
    may_complete: Callable[[HumanTask], bool] | None = None,
    partition: Partition = EVERYTHING,
    together: Callable[[], object] | None = None,
):
    """Complete every ready task; when none is left, move the clock to the next timer and fire it.

    Only instances whose business key starts with `scope` (or one of them) are driven, and only
    the tasks `may_complete` lets through (the others stay ready, as work left in someone's
    inbox). Stops when nothing is ready and no timer falls due before `until`.

    Several processes drive one province together by each taking a `partition` of the
    instances and meeting at `together` (a barrier's wait) around each move of the clock, so
    every one moves its clock to the same next timer once all have done their tasks.
    """
    stats = DriveStats()
    engine = simulation.engine
    while stats.tasks < max_tasks:
        with sessions() as session:
            ready = _ready(session, scope, may_complete, partition)
            next_due = None if together else _next_due(session, scope)
        if progress is not None:
            progress(stats, clock())
        if ready:
            _complete_all(simulation, sessions, ready, stats)
            continue
        if together is not None:
            together()  # every partition's tasks are done
            with sessions() as session:
                next_due = _next_due(session, scope)
            together()  # everyone has read the same next timer before any fires it
        if next_due is None or next_due > until:
            break
        if next_due > clock():
            clock.set(next_due)
        ticked = fire_due_timers(
            engine,
            lambda: unit_of_work(sessions),
            Actor.system("tick"),
            partition=partition,
        )
        stats.timers += ticked.fired + ticked.incidents
        stats.incidents += ticked.incidents
        stats.conflicts += ticked.conflicts
    return stats


def _ready(session, scope, may_complete, partition: Partition) -> list[int]:
    # Tasks and timers of instances with an open incident wait for an operator.
    # Whole rows only when a filter needs them: the plain drive is a benchmark's hot loop.
    query = (
        select(HumanTask if may_complete else HumanTask.id)
        .join(ProcessInstance, HumanTask.instance_id == ProcessInstance.id)
        .where(
            HumanTask.status == "ready",
            ProcessInstance.status != "incident",
            _in_scope(scope),
        )
        .order_by(HumanTask.id)
    )
    owned = partition.where(HumanTask.instance_id)
    if owned is not None:
        query = query.where(owned)
    ready = session.scalars(query).all()
    if may_complete is not None:
        ready = [task.id for task in ready if may_complete(task)]
    return ready


def _next_due(session, scope):
    return session.scalar(
        select(func.min(Timer.due_at))
        .join(ProcessInstance, Timer.instance_id == ProcessInstance.id)
        .where(
            Timer.status == "waiting",
            ProcessInstance.status != "incident",
            _in_scope(scope),
        )
    )


def _in_scope(scope: str | tuple[str, ...]):
    prefixes = (scope,) if isinstance(scope, str) else scope
    return or_(*(ProcessInstance.business_key.startswith(prefix) for prefix in prefixes))


def _complete_all(simulation, sessions, ready: list[int], stats: DriveStats) -> None:
    for task_id in ready:
        try:
            outcome = simulation.complete_one(sessions, task_id)
        except Conflict:
            stats.conflicts += 1
            continue
        if outcome is not None:
            stats.tasks += 1
            stats.incidents += 0 if outcome.ok else 1
