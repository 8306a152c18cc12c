"""部门整体绩效 through its process: a department files its overall target table and finance
reviews it (a return sends it back to the department), it reports mid-year with its projects'
execution rolled up, self-evaluates after year end, and finance evaluates it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.actors import Actor
from engine.department.start import start_department
from engine.errors import InvalidInput
from engine.models import (
    AuditEvent,
    DepartmentEvaluation,
    DepartmentIndicator,
    DepartmentMonitoring,
    DepartmentPlan,
    FiscalYear,
    HumanTask,
    Message,
    Organisation,
    User,
)
from engine.models.enums import OrgKind
from engine.notifications.passes import run_pass
from engine.review.tasks import complete
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks

INDICATORS = [
    {
        "item": "duties",
        "name": "履职事项完成率",
        "operator": ">=",
        "target": "95",
        "unit": "%",
        "weight": "15",
    },
    {
        "item": "key_tasks",
        "name": "重点工作任务完成数",
        "operator": ">=",
        "target": "12",
        "unit": "项",
        "weight": "15",
    },
    {
        "item": "quality",
        "name": "政策文件合规率",
        "operator": "=",
        "target": "100",
        "unit": "%",
        "weight": "10",
    },
    {
        "item": "economic_cost",
        "name": "公用经费控制率",
        "operator": "<=",
        "target": "100",
        "unit": "%",
        "weight": "10",
    },
    {
        "item": "social",
        "name": "群众办事便利度",
        "operator": "qualitative",
        "target_text": "明显提升",
        "weight": "30",
    },
    {
        "item": "beneficiary",
        "name": "服务对象满意度",
        "operator": ">=",
        "target": "90",
        "unit": "%",
        "weight": "10",
    },
]
PLAN = {
    "duties": "负责全省教育事业发展规划、经费管理和督导评估。",
    "goal": "学前教育普及普惠，义务教育优质均衡。",
    "basic_budget": "12000000",
    "key_tasks": [
        {"name": "新建公办幼儿园", "content": "新增学位 6000 个", "amount": "30000000"},
        {"name": "教师培训", "content": "培训 2 万人次", "amount": "8000000"},
    ],
    "indicators": INDICATORS,
}


def _owner(session, task: HumanTask) -> Actor:
    query = select(User).where(User.role == task.role, User.organisation_id == task.org_id)
    return Actor.of_user(session.scalars(query.order_by(User.id)).first())


def _do(sessions, wf, task: HumanTask, data: dict):
    with sessions() as session, session.begin():
        outcome = complete(session, wf, task.id, data, _owner(session, task))
    assert outcome.ok, outcome.error


@pytest.fixture
def department_instance(sessions, wf, province):
    """The first department's process for 2026, finance evaluating it."""
    with sessions() as session, session.begin():
        department = session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.DEPARTMENT)
            .order_by(Organisation.id)
        ).first()
        year = session.scalars(select(FiscalYear).where(FiscalYear.year == 2026)).one()
        outcome = start_department(session, wf, department, year, OPERATOR, finance_evaluation=True)
    assert outcome.ok, outcome.error
    return outcome.instance_id


def _scores(sessions, plan_id: int, share: str = "1") -> list[dict]:
    with sessions() as session:
        indicators = session.scalars(
            select(DepartmentIndicator).where(DepartmentIndicator.plan_id == plan_id)
        ).all()
        rows = []
        for indicator in indicators:
            if indicator.operator.value == "qualitative":
                band = "achieved" if share == "1" else "partly"
                rows.append({"indicator_id": indicator.id, "band": band, "band_pct": share})
            else:
                rows.append({"indicator_id": indicator.id, "actual": str(indicator.target_value)})
        return rows


def test_a_department_files_reports_and_is_evaluated(sessions, wf, clock, department_instance):
    [task] = ready_tasks(sessions, department_instance)
    assert (task.form, task.role) == ("department_plan", "department")

    # A table whose weights do not add up is refused, naming the problem; nothing is stored.
    bad = dict(PLAN, indicators=[dict(INDICATORS[0], weight="25"), *INDICATORS[1:]])
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        complete(session, wf, task.id, bad, _owner(session, task))
    assert "weight" in str(refused.value)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DepartmentIndicator)) == 0
        assert session.get(HumanTask, task.id).status == "ready"

    _do(sessions, wf, task, PLAN)
    [review] = ready_tasks(sessions, department_instance)
    assert (review.form, review.role) == ("review", "finance")
    _do(sessions, wf, review, {"outcome": "return", "comment": "满意度指标值偏低"})
    [again] = ready_tasks(sessions, department_instance)
    assert again.form == "department_plan"
    with sessions() as session:
        plan = session.scalars(select(DepartmentPlan)).one()
        assert plan.status.value == "returned"
    _do(sessions, wf, again, dict(PLAN, goal="学前教育普及普惠。"))
    [review] = ready_tasks(sessions, department_instance)
    _do(sessions, wf, review, {"outcome": "approve"})
    with sessions() as session:
        plan = session.scalars(select(DepartmentPlan)).one()
        assert (plan.status.value, plan.goal, len(plan.indicators)) == (
            "final",
            "学前教育普及普惠。",
            6,
        )
        assert plan.basic_budget == Decimal(12000000) and len(plan.key_tasks) == 2
        assert session.scalars(
            select(AuditEvent).where(AuditEvent.action == "department_plan.publish")
        ).one()
    assert ready_tasks(sessions, department_instance) == []

    clock.advance(days=245)  # into September
    fire_due_timers(wf, sessions.begin, OPERATOR)
    [monitoring] = ready_tasks(sessions, department_instance)
    assert (monitoring.form, monitoring.role) == ("department_monitoring", "department")
    # The message centre names the department's year, and reminds it of the due date
    # (30 September) in working days of its region's calendar.
    run_pass(sessions.begin, clock())
    clock.set(datetime(2026, 9, 28, 2, tzinfo=UTC))
    run_pass(sessions.begin, clock())
    with sessions() as session:
        told = {
            m.kind: m
            for m in session.scalars(
                select(Message).where(
                    Message.user_id.in_(
                        select(User.id).where(User.organisation_id == monitoring.org_id)
                    )
                )
            )
        }
        department = session.get(Organisation, monitoring.org_id)
        assert f"{department.name} 2026 年度部门整体绩效" in told["task"].body
        assert f"{department.name} 2026 年度部门整体绩效" in told["deadline_near"].body
        assert "2026-09-30" in told["deadline_near"].body
    rows = [
        {
            "indicator_id": row["indicator_id"],
            "likelihood": "certain",
            **{k: v for k, v in row.items() if k in ("actual", "band")},
        }
        for row in _scores(sessions, plan.id)
    ]
    with sessions() as session, session.begin(), pytest.raises(InvalidInput):
        complete(
            session,
            wf,
            monitoring.id,
            {"basic_executed": "7000000", "rows": rows[1:]},
            _owner(session, monitoring),
        )
    _do(sessions, wf, monitoring, {"basic_executed": "7000000", "rows": rows})
    with sessions() as session:
        report = session.scalars(select(DepartmentMonitoring)).one()
        assert report.basic_executed == Decimal(7000000)
        assert report.basic_budget == Decimal(12000000)
        assert report.execution_rate is not None and report.colour in ("green", "yellow", "red")
    [review] = ready_tasks(sessions, department_instance)
    _do(sessions, wf, review, {"outcome": "approve"})

    clock.advance(days=190)  # March of the following year
    fire_due_timers(wf, sessions.begin, OPERATOR)
    [self_evaluation] = ready_tasks(sessions, department_instance)
    assert (self_evaluation.form, self_evaluation.role) == (
        "department_self_evaluation",
        "department",
    )  # A score for an indicator of another table is refused, as in the monitoring report.
    foreign = [*_scores(sessions, plan.id), {"indicator_id": 999_999, "actual": "1"}]
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        complete(
            session,
            wf,
            self_evaluation.id,
            {"basic_executed": "11500000", "scores": foreign},
            _owner(session, self_evaluation),
        )
    assert refused.value.errors["scores.999999"] == "not an indicator of this table"

    _do(
        sessions,
        wf,
        self_evaluation,
        {"basic_executed": "11500000", "scores": _scores(sessions, plan.id)},
    )
    [review] = ready_tasks(sessions, department_instance)
    _do(sessions, wf, review, {"outcome": "approve"})
    [finance] = ready_tasks(sessions, department_instance)
    assert (finance.form, finance.role) == ("department_finance_evaluation", "finance")
    scores = _scores(sessions, plan.id, "0.7")
    _do(
        sessions,
        wf,
        finance,
        {
            "basic_executed": "11500000",
            "scores": [
                dict(s, reason="群众反映办事仍需多跑") if "band" in s else s for s in scores
            ],
        },
    )
    with sessions() as session:
        evaluations = {e.kind: e for e in session.scalars(select(DepartmentEvaluation))}
        assert evaluations["self"].status.value == "final"
        assert evaluations["finance"].status.value == "final"
        assert evaluations["finance"].total_score < evaluations["self"].total_score
        assert evaluations["self"].grade in ("A", "B", "C", "D")
    assert ready_tasks(sessions, department_instance) == []


def test_a_table_that_would_not_fit_its_columns_is_refused_by_row(
    sessions, wf, department_instance
):
    """Weights in cents and targets of a sane size, as a project's table: named by row."""
    [task] = ready_tasks(sessions, department_instance)
    rows = [dict(INDICATORS[0], weight="14.995"), dict(INDICATORS[1], weight="15.005")]
    rows += [dict(INDICATORS[2], target="1e13"), *INDICATORS[3:]]
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        complete(session, wf, task.id, dict(PLAN, indicators=rows), _owner(session, task))
    errors = refused.value.errors
    assert errors["indicators.0.weight"] == "at most 2 decimal places"
    assert errors["indicators.1.weight"] == "at most 2 decimal places"
    assert errors["indicators.2.target"].startswith("must not exceed")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DepartmentIndicator)) == 0
