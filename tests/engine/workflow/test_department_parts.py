"""The parts of 部门整体绩效 around its process: the execution rolled up from a department's
projects, finance's rotating selection, and the `budgetloop departments` commands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from engine.department import rollup
from engine.department.start import selected_for_finance, unstarted
from engine.models import (
    FiscalYear,
    MonitoringReport,
    MonitoringTask,
    Organisation,
    ProcessInstance,
    Project,
)
from engine.models.enums import DocumentStatus, OrgKind, ProjectStatus
from engine.synthetic.province import DEMO_REGION


def _department_with_projects(session) -> Organisation:
    return session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.DEPARTMENT)
        .where(
            Organisation.id.in_(
                select(Organisation.parent_id).join(Project, Project.unit_id == Organisation.id)
            )
        )
        .order_by(Organisation.id)
    ).first()


def test_mid_year_execution_rolls_up_what_units_reported(sessions, province):
    """Reports in draft count nothing; cancelled projects count neither budget nor execution."""
    with sessions() as session, session.begin():
        department = _department_with_projects(session)
        year = session.scalars(select(FiscalYear)).one()
        projects = session.scalars(
            select(Project)
            .join(Organisation, Organisation.id == Project.unit_id)
            .where(Organisation.parent_id == department.id)
            .order_by(Project.id)
        ).all()
        assert len(projects) >= 2
        task = MonitoringTask(
            fiscal_year_id=year.id, round_code="jan_jul", months_elapsed=7, due_on=year_date(year)
        )
        session.add(task)
        session.flush()
        reported, drafted, *rest = projects
        for project, status, executed in (
            (reported, DocumentStatus.APPROVED, Decimal("300000")),
            (drafted, DocumentStatus.DRAFT, Decimal("999999")),
        ):
            session.add(
                MonitoringReport(
                    task_id=task.id,
                    project_id=project.id,
                    budget=project.requested_amount,
                    executed_to_date=executed,
                    status=status,
                )
            )
        if rest:
            rest[0].status = ProjectStatus.CANCELLED
        session.flush()
        counted = [p for p in projects if p.status is not ProjectStatus.CANCELLED]
        rolled = rollup.mid_year(session, department.id, year.id)
        assert rolled.projects == len(counted)
        assert rolled.reported == 1
        assert rolled.budget == sum(p.approved_amount or p.requested_amount for p in counted)
        assert rolled.executed == Decimal("300000")
        at_year_end = rollup.year_end(session, department.id, year.id)
        assert (at_year_end.reported, at_year_end.executed) == (1, Decimal("300000"))
        assert rollup.execution_rate(Decimal(1), Decimal(0)) is None
        assert rollup.execution_rate(Decimal(1), Decimal(3)) == Decimal("0.3333")


def year_date(year: FiscalYear) -> date:
    return date(year.year, 8, 31)


def test_finance_selects_about_its_share_of_departments_and_rotates_by_year():
    departments = [Organisation(code=f"D{n:03d}", name="x") for n in range(400)]
    chosen_2026 = {d.code for d in departments if selected_for_finance(d, 2026, "0.3")}
    chosen_2027 = {d.code for d in departments if selected_for_finance(d, 2027, "0.3")}
    assert 90 <= len(chosen_2026) <= 150 and 90 <= len(chosen_2027) <= 150
    assert chosen_2026 != chosen_2027
    assert not any(selected_for_finance(d, 2026, "0") for d in departments)
    assert all(selected_for_finance(d, 2026, "1") for d in departments)


def test_the_command_starts_each_department_once_and_lists_them(budgetloop, sessions, shipped):
    code, out, err = budgetloop("seed", "--year", "2026", "--projects", "12", "--seed", "3")
    assert code == 0, err
    code, out, err = budgetloop("departments", "start", DEMO_REGION[0], "2026")
    assert code == 0, err
    with sessions() as session:
        departments = session.scalar(
            select(func.count()).where(
                Organisation.kind == OrgKind.DEPARTMENT, Organisation.finance_desk_id.is_not(None)
            )
        )
        assert departments >= 1
        assert f"started 2026 overall performance of {departments} department" in out
        keys = session.scalars(
            select(ProcessInstance.business_key).where(
                ProcessInstance.business_key.startswith("department:")
            )
        ).all()
        assert len(keys) == departments and all(k.endswith(":2026") for k in keys)
        assert unstarted(session, DEMO_REGION[0], 2026) == []
    code, out, err = budgetloop("departments", "start", DEMO_REGION[0], "2026")
    assert (code, out.strip()) == (
        0,
        f"started 2026 overall performance of 0 departments in {DEMO_REGION[0]}",
    )
    code, out, err = budgetloop("departments", "list", "2026")
    assert code == 0 and f"{departments} departments" in out and ": draft;" in out
    # Bad input: one clear line, exit 2, nothing started.
    code, out, err = budgetloop("departments", "start", DEMO_REGION[0], "2031")
    assert code == 2 and "no fiscal year 2031" in err
    code, out, err = budgetloop("departments", "start", "999999", "2026")
    assert code == 2 and err.count("\n") == 1
    code, out, err = budgetloop("departments", "start", DEMO_REGION[0], "2026", "--department", "X")
    assert code == 2 and "no department X" in err
