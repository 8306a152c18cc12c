"""`budgetloop departments …`: each department's overall performance (部门整体绩效) for a year."""

from __future__ import annotations

import click
from sqlalchemy import select

from engine.actors import Actor
from engine.cli.context import CommandContext
from engine.composition import build_engine
from engine.department.queries import PlanFilter, list_plans, standings
from engine.department.start import start_department, unstarted
from engine.errors import InvalidInput, NotFound
from engine.models import FiscalYear, Organisation

CLI = Actor.system("cli")
PER_PAGE = 200  # the paging limit; a province has about a hundred departments


@click.group("departments")
def command() -> None:
    """Department overall performance: start each department's year, list where they stand."""


def _year(session, region: str, year: int) -> FiscalYear:
    found = session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == region, FiscalYear.year == year)
    ).first()
    if found is None:
        raise NotFound(f"no fiscal year {year} in region {region}")
    return found


@command.command("start")
@click.argument("region")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--department", "code", default=None, help="Only this department (its code).")
@click.option(
    "--finance-evaluation/--no-finance-evaluation",
    default=None,
    help="Whether finance evaluates it (default: the department_performance setting's draw).",
)
@click.pass_obj
def start_command(
    ctx: CommandContext, region: str, year: int, code: str | None, finance_evaluation
) -> None:
    """Start REGION's departments' overall performance for YEAR (those not started yet);
    each department then files its overall target table in its inbox."""
    workflow = build_engine()
    with ctx.transaction() as session:
        _year(session, region, year)
        ids = unstarted(session, region, year)
        if code is not None:
            wanted = session.scalars(
                select(Organisation.id).where(
                    Organisation.code == code, Organisation.region_code == region
                )
            ).first()
            if wanted is None:
                raise InvalidInput(
                    f"no department {code} in region {region}", errors={"department": "unknown"}
                )
            ids = [department_id for department_id in ids if department_id == wanted]
    started = 0
    for department_id in ids:
        # One department a transaction: a department without a finance desk stops only itself.
        with ctx.transaction() as session:
            department = session.get(Organisation, department_id)
            fiscal_year = _year(session, region, year)
            options = (
                {} if finance_evaluation is None else {"finance_evaluation": finance_evaluation}
            )
            outcome = start_department(session, workflow, department, fiscal_year, CLI, **options)
        if not outcome.ok:
            raise InvalidInput(f"department {department.code}: {outcome.error}")
        started += 1
    noun = "department" if started == 1 else "departments"
    click.echo(f"started {year} overall performance of {started} {noun} in {region}")


@command.command("list")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.pass_obj
def list_command(ctx: CommandContext, year: int) -> None:
    """Each department's overall table for YEAR: its status, execution and grade."""
    with ctx.transaction() as session:
        number, total = 1, 0
        while True:
            page = list_plans(session, CLI, PlanFilter(year=year), number, PER_PAGE)
            standing = standings(session, [plan.id for plan in page.items])
            for plan in page.items:
                line = standing[plan.id]
                click.echo(
                    f"{plan.organisation.code} {plan.organisation.name}: {plan.status.value}; "
                    f"execution {line.execution or '—'}; self {line.self_grade or '—'}, "
                    f"finance {line.finance_grade or '—'}; grade {line.grade or '—'}"
                )
            total = page.total
            if number >= page.pages:
                break
            number += 1
        click.echo(f"{total} departments")
