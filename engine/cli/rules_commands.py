"""`budgetloop rules …`: store rule-set versions, list them, simulate a candidate."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from engine.cli.context import CommandContext
from engine.errors import InvalidInput
from engine.evaluation.department_ranks import close_evaluations
from engine.models import FiscalYear, Organisation
from engine.models import RuleSet as RuleSetRow
from engine.results import rulesets, whatif
from engine.synthetic.province import DEMO_REGION
from rules import RuleSetInvalid, parse_ruleset

WAN = 10_000


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (UnicodeDecodeError, OSError) as error:
        raise InvalidInput(f"{path}: cannot be read as UTF-8 text ({error})") from None


@click.group("rules")
def command() -> None:
    """Result-application rule sets."""


@command.command("add")
@click.argument("file")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--region", default=DEMO_REGION[0], show_default=True)
@click.pass_obj
def add(ctx: CommandContext, file: str, year: int, region: str) -> None:
    """Validate FILE (JSON) and store it as the next version for the region and year."""
    text = _read(file)
    with ctx.transaction() as session:
        row = rulesets.store(session, text, region_code=region, year=year, actor="cli")
    click.echo(f"stored {row.name} v{row.version} for {region} {year} ({row.sha256[:12]})")


@command.command("list")
@click.pass_obj
def list_command(ctx: CommandContext) -> None:
    """List stored rule-set versions."""
    with ctx.transaction() as session:
        rows = session.scalars(
            select(RuleSetRow).order_by(
                RuleSetRow.region_code, RuleSetRow.fiscal_year, RuleSetRow.name, RuleSetRow.version
            )
        ).all()
    for row in rows:
        click.echo(
            f"{row.region_code} {row.fiscal_year} {row.name} v{row.version} "
            f"{row.sha256[:12]} {len(row.body.get('rules', []))} rules "
            f"{row.created_at:%Y-%m-%d %H:%M}"
        )
    if not rows:
        click.echo("no rule sets stored yet (the shipped default is stored on first use)")


@command.command("simulate")
@click.option("--ruleset", "file", required=True, help="Candidate rule set (JSON).")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--region", default=DEMO_REGION[0], show_default=True)
@click.option(
    "--show",
    type=click.IntRange(0, 10_000),
    default=20,
    show_default=True,
    help="How many changed projects to list.",
)
@click.pass_obj
def simulate(ctx: CommandContext, file: str, year: int, region: str, show: int) -> None:
    """What would change if the candidate had decided YEAR's results (writes nothing)."""
    try:
        candidate = parse_ruleset(_read(file))
    except RuleSetInvalid as error:
        raise InvalidInput(
            f"{file}: the rule set is invalid: {rulesets.problems_text(error)}"
        ) from None
    started = time.perf_counter()
    with ctx.transaction() as session:
        result = whatif.simulate(session, candidate, region, year)
        session.rollback()  # a what-if never writes
    elapsed = time.perf_counter() - started
    click.echo(
        f"{candidate.ref} over {result.decisions:,} decisions of {year}: "
        f"{len(result.changes):,} would change ({elapsed:.2f} s)"
    )
    for change in result.changes[:show]:
        click.echo(
            f"  {change.project_code} {change.department}: "
            f"{change.old}{' + reclaim' if change.old_reclaim else ''} → "
            f"{change.new}{' + reclaim' if change.new_reclaim else ''} "
            f"({change.delta / WAN:+,.1f} 万元)"
        )
    if result.delta_by_department:
        click.echo("funding change by department:")
        for name, delta in result.delta_by_department.items():
            click.echo(f"  {name}: {delta / WAN:+,.1f} 万元")
    click.echo(f"total: {result.total_delta / WAN:+,.1f} 万元")


@command.command("close-evaluations")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--region", default=DEMO_REGION[0], show_default=True)
@click.pass_obj
def close_evaluations_command(ctx: CommandContext, year: int, region: str) -> None:
    """Close YEAR's evaluations: fix the department ranks every decision of the year reads.

    Once closed, a year's ranks never move (closing again shows them); without this, the
    year closes on the date of the evaluation_close setting (30 April of the following year),
    when its results are applied. Decisions still wait for that date.
    """
    with ctx.transaction() as session:
        fiscal_year = session.scalars(
            select(FiscalYear).where(FiscalYear.region_code == region, FiscalYear.year == year)
        ).one_or_none()
        if fiscal_year is None:
            raise InvalidInput(f"no fiscal year {year} in region {region}")
        closed = close_evaluations(
            session, fiscal_year.id, now=datetime.now(UTC), by="cli", occasion="close"
        )
        names = dict(
            session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_([int(key) for key in closed.ranks])
                )
            ).all()
        )
    click.echo(f"{year} evaluations closed {closed.closed_at:%Y-%m-%d %H:%M} by {closed.closed_by}")
    for key, entry in sorted(closed.ranks.items(), key=lambda item: item[1]["rank"]):
        click.echo(
            f"  {entry['rank']:>3}  {names.get(int(key), key)}  mean {entry['mean']}"
            f" over {entry['evaluations']} evaluations"
        )
