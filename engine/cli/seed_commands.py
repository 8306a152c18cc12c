"""`budgetloop seed`: generate a synthetic province's fiscal year."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.synthetic.province import SeedRequest, seed_province

PROGRESS_FROM = 5_000


@click.command("seed")
@click.option("--year", type=int, required=True, help="Fiscal year to generate, e.g. 2026.")
@click.option("--projects", type=int, required=True, help="Number of projects.")
@click.option("--units", type=int, default=None, help="Budget units (default: projects / 6).")
@click.option("--seed", "seed", type=int, default=1, show_default=True, help="Random seed.")
@click.pass_obj
def command(ctx: CommandContext, year: int, projects: int, units: int | None, seed: int) -> None:
    """Generate organisations, users, projects, fund lines and draft target tables."""
    request = SeedRequest(year=year, projects=projects, units=units, seed=seed).validated()
    with ctx.transaction() as session:
        if projects >= PROGRESS_FROM:
            with click.progressbar(
                length=projects, label="projects", file=click.get_text_stream("stderr")
            ) as bar:
                summary = seed_province(session, request, progress=bar.update, actor="cli")
        else:
            summary = seed_province(session, request, actor="cli")
    click.echo(
        f"{summary.region} {summary.year}: {summary.departments} departments, "
        f"{summary.units:,} units, {summary.users:,} users, {summary.projects:,} projects, "
        f"{summary.fund_lines:,} fund lines, {summary.target_tables:,} target tables, "
        f"{summary.indicators:,} indicators"
    )
