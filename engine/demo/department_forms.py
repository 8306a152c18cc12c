"""What a department and its finance desk enter in the department's forms (部门整体绩效), as
the demo's simulated people: a table built from the department's own projects, a mid-year
report and evaluations that follow how well the department performs that year.

Most departments do well; about one in five is weak (its indicators half met), which its
self-evaluation and finance's evaluation grade C or D. Every draw is a stable one per
department code, so the province's other random draws stay as the seed made them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.demo.draws import fraction
from engine.department.queries import plan_for_key
from engine.models import (
    DepartmentIndicator,
    DepartmentPlan,
    FiscalYear,
    HumanTask,
    Organisation,
    Project,
)
from engine.models.enums import Operator

CENT = Decimal("0.01")
# (item, name, operator, target, unit, weight): 90 points beside budget execution's 10.
TEMPLATE = (
    ("duties", "法定职责履行率", ">=", "100", "%", "15"),
    ("key_tasks", "年度重点工作任务完成数", ">=", "{tasks}", "项", "15"),
    ("quality", "政策措施落实达标率", ">=", "95", "%", "5"),
    ("timeliness", "重点任务按期完成率", ">=", "90", "%", "5"),
    ("economic_cost", "“三公”经费控制率", "<=", "100", "%", "10"),
    ("social", "公共服务覆盖人数", ">=", "{people}", "万人", "20"),
    ("sustainability", "长效管理机制", "qualitative", None, "", "10"),
    ("beneficiary", "服务对象满意度", ">=", "90", "%", "10"),
)

# The least basic expenditure a demo department files (元).
BASIC_FLOOR = Decimal("2000000.00")


def performance(code: str, year: int) -> float:
    """How well the department does in `year`: 1.0 on target; one in five weak (0.5)."""
    if fraction(f"{code}:{year}", "department_weak") < 0.2:
        return 0.5
    return 0.92 + 0.12 * fraction(f"{code}:{year}", "department_level")


def department_form(simulation, session, task: HumanTask) -> dict:
    """The form of a department-process task, as its owner fills it."""
    plan = plan_for_key(session, task.business_key)
    department = plan.organisation
    level = performance(department.code, plan.fiscal_year.year)
    if task.form == "review":
        return _review(simulation, task)
    if task.form == "department_plan":
        return _plan(session, department, plan)
    if task.form == "department_monitoring":
        return _monitoring(session, plan, level)
    if task.form == "department_self_evaluation":
        return _evaluation(session, plan, level)
    if task.form == "department_finance_evaluation":
        # Finance looks harder than the department itself.
        return _evaluation(session, plan, level * 0.95)
    return {}


def _review(simulation, task: HumanTask) -> dict:
    """The finance desk's review: returned as often as a project's document, but drawn from
    the task rather than the seed's stream, so the province's other draws stay as they were."""
    key = (task.business_key, task.process_key, task.element_id)
    attempt = simulation._attempts.get(key, 0)
    simulation._attempts[key] = attempt + 1
    rate = simulation.choices.return_rate if attempt == 0 else simulation.choices.return_rate / 4
    if fraction(f"{task.business_key}:{task.element_id}:{attempt}", "department_review") < rate:
        return {
            "outcome": "return",
            "comment": "部分指标目标值偏低，请结合年度重点工作调整后重新报送",
        }
    return {"outcome": "approve", "comment": "同意"}


def _projects(session, department: Organisation, fiscal_year_id: int | None) -> list[Project]:
    if fiscal_year_id is None:
        return []
    return list(
        session.scalars(
            select(Project)
            .join(Organisation, Organisation.id == Project.unit_id)
            .where(
                Organisation.parent_id == department.id,
                Project.fiscal_year_id == fiscal_year_id,
            )
            .order_by(Project.requested_amount.desc(), Project.id)
        )
    )


def _previous_year(session, plan: DepartmentPlan) -> int | None:
    year = session.get(FiscalYear, plan.fiscal_year_id)
    return session.scalar(
        select(FiscalYear.id).where(
            FiscalYear.region_code == year.region_code, FiscalYear.year == year.year - 1
        )
    )


def _plan(session, department: Organisation, plan: DepartmentPlan) -> dict:
    # A year's table is filed as the year begins, before last year's projects are carried into
    # it: the department plans on the projects it has (last year's, where this year has none).
    projects = _projects(session, department, plan.fiscal_year_id) or _projects(
        session, department, _previous_year(session, plan)
    )
    total = sum((p.requested_amount for p in projects), Decimal(0))
    # Staff and office costs: about a quarter of what its projects request, and never nothing:
    # a department with no project still pays its people (a zero budget scored its execution
    # full marks on 0 of 0 yuan).
    basic = max(BASIC_FLOOR, (total * Decimal("0.25")).quantize(CENT))
    tasks = [
        {"name": p.name, "content": f"由{p.unit.name}实施", "amount": str(p.requested_amount)}
        for p in projects[:5]
    ] or [{"name": "部门基本运转", "content": "保障机关正常运转", "amount": str(basic)}]
    people = max(1, len(projects)) * 3
    indicators = []
    for item, name, operator, target, unit, weight in TEMPLATE:
        row = {"item": item, "name": name, "operator": operator, "unit": unit, "weight": weight}
        if target is None:
            row["target_text"] = "建立并有效运行"
        else:
            row["target"] = target.format(tasks=len(tasks), people=people)
        indicators.append(row)
    return {
        "duties": f"{department.name}依法履行本行业、本领域的政策制定、资金管理和监督指导职责。",
        # No count of projects: filed as the year begins, last year's count would be wrong.
        "goal": "统筹基本支出和项目支出，完成年度重点工作任务，提升部门履职效能。",
        "basic_budget": str(basic),
        "key_tasks": tasks,
        "indicators": indicators,
    }


def _indicators(session, plan: DepartmentPlan) -> list[DepartmentIndicator]:
    return list(
        session.scalars(
            select(DepartmentIndicator)
            .where(DepartmentIndicator.plan_id == plan.id)
            .order_by(DepartmentIndicator.position)
        )
    )


def _monitoring(session, plan: DepartmentPlan, level: float) -> dict:
    rows = []
    for indicator in _indicators(session, plan):
        row = {"indicator_id": indicator.id, "likelihood": "certain" if level > 0.9 else "possible"}
        if indicator.operator is Operator.QUALITATIVE:
            row["band"] = "achieved" if level > 0.9 else "partly"
        elif indicator.operator in (Operator.LE, Operator.LT):
            row["actual"] = str(indicator.target_value * Decimal("0.6"))
        else:
            pace = Decimal(str(7 / 12 * level))
            row["actual"] = str((indicator.target_value * pace).quantize(CENT))
        if level < 0.7:
            row["reason"] = "重点任务推进滞后，资金拨付偏慢"
        rows.append(row)
    executed = (plan.basic_budget or Decimal(0)) * Decimal("0.56")
    return {"basic_executed": str(executed.quantize(CENT)), "rows": rows}


def _evaluation(session, plan: DepartmentPlan, level: float) -> dict:
    scores = []
    for indicator in _indicators(session, plan):
        row = {"indicator_id": indicator.id, "reason": "部分任务受客观因素影响未完全完成"}
        if indicator.operator is Operator.QUALITATIVE:
            if level >= 0.95:
                row.update(band="achieved", band_pct="0.95")
            elif level >= 0.75:
                row.update(band="partly", band_pct="0.7")
            else:
                row.update(band="not_achieved", band_pct="0.4")
        elif indicator.operator in (Operator.LE, Operator.LT):
            ratio = Decimal("0.95") if level >= 0.9 else Decimal("1.3")
            row["actual"] = str((indicator.target_value * ratio).quantize(CENT))
        else:
            row["actual"] = str(
                (indicator.target_value * Decimal(str(min(level, 1.1)))).quantize(CENT)
            )
        scores.append(row)
    basic = plan.basic_budget or Decimal(0)
    executed = basic * Decimal(str(min(1.0, 0.9 * level + 0.08)))
    summary = "部门整体支出绩效目标基本完成" if level >= 0.9 else "部分重点任务未完成，整体绩效偏低"
    return {"basic_executed": str(executed.quantize(CENT)), "scores": scores, "summary": summary}
