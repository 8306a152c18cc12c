"""What the department tests share: the world department's next year started, its ready task,
a form posted as the page posts it, and a valid filing of its overall target table."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from engine.actors import Actor
from engine.composition import build_engine
from engine.department.start import start_department
from engine.models import DepartmentIndicator, DepartmentPlan, FiscalYear, HumanTask, Organisation
from engine.workflow.clock import ManualClock
from tests.web.conftest import csrf

NEXT_YEAR = 2027  # the lived-in year's next: no department has started it

# The filing form as the page posts it: two key tasks, six indicators weighing 90.
TABLE = {
    "duties": "负责全省高等教育发展规划、经费管理和督导评估。",
    "goal": "学科建设稳步推进，人才培养质量持续提高。",
    "basic_budget": "12,000,000",
    "task-0-name": "一流学科建设",
    "task-0-content": "建设 5 个省级一流学科",
    "task-0-amount": "30000000",
    "task-n1-name": "教师培训",
    "task-n1-content": "",
    "task-n1-amount": "8000000",
}
INDICATORS = [
    ("a", "duties", "法定职责履行率", ">=", "95", "%", "15"),
    ("b", "key_tasks", "重点工作任务完成数", ">=", "12", "项", "15"),
    ("c", "quality", "政策文件合规率", "=", "100", "%", "10"),
    ("d", "economic_cost", "公用经费控制率", "<=", "100", "%", "10"),
    ("e", "social", "群众办事便利度", "qualitative", "明显提升", "", "30"),
    ("f", "beneficiary", "服务对象满意度", ">=", "90", "%", "10"),
]
for key, item, name, operator, target, unit, weight in INDICATORS:
    TABLE |= {
        f"ind-{key}-item": item,
        f"ind-{key}-name": name,
        f"ind-{key}-operator": operator,
        f"ind-{key}-target": target,
        f"ind-{key}-unit": unit,
        f"ind-{key}-weight": weight,
        f"ind-{key}-basis": "plan",
    }


def start_next_year(world_app, world) -> int:
    """The world department's overall performance for NEXT_YEAR (finance evaluating it)."""
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        department = session.get(Organisation, world["department"].org_id)
        year = session.scalars(select(FiscalYear).where(FiscalYear.year == NEXT_YEAR)).one()
        outcome = start_department(
            session,
            world_app.extensions["budgetloop.workflow"],
            department,
            year,
            Actor.system("test"),
            finance_evaluation=True,
        )
    assert outcome.ok, outcome.error
    return outcome.instance_id


def ready_task(world_app, instance_id: int) -> HumanTask:
    with world_app.extensions["budgetloop.sessions"]() as session:
        (task,) = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "ready"
            )
        ).all()
        return task


def post_form(client, task_id: int, data: dict, lang: str = "zh-CN"):
    """The task's form posted as the page posts it (opened first, for the CSRF token)."""
    client.get(f"/tasks/{task_id}?lang={lang}")
    return client.post(f"/tasks/{task_id}", data={**data, "csrf_token": csrf(client)})


def fire_timers(world_app, instance_id: int, when: datetime) -> None:
    """The clock moved on to `when`: the instance's due timers fire."""
    engine = build_engine(ManualClock(when.astimezone(UTC)))
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        outcome = engine.fire_timers(session, instance_id, Actor.system("test"))
    assert outcome.ok, outcome.error


def stored_plan(world_app, world) -> tuple:
    """What the next year's plan holds: (id, status, version, duties, indicator count)."""
    with world_app.extensions["budgetloop.sessions"]() as session:
        plan = session.scalars(
            select(DepartmentPlan)
            .join(FiscalYear, FiscalYear.id == DepartmentPlan.fiscal_year_id)
            .where(
                DepartmentPlan.org_id == world["department"].org_id,
                FiscalYear.year == NEXT_YEAR,
            )
        ).one()
        count = session.scalar(
            select(func.count())
            .select_from(DepartmentIndicator)
            .where(DepartmentIndicator.plan_id == plan.id)
        )
        return plan.id, plan.status.value, plan.version, plan.duties, count
