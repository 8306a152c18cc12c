"""The `budgetloop` console script: the engine's commands plus those that start the web app."""

from __future__ import annotations

import sys

import click

from engine.cli import build_cli, run
from engine.cli.context import CommandContext
from engine.cli.work_commands import processes_option, require_postgres_for
from engine.db import unit_of_work
from engine.demo.at_work_report import format_at_work
from engine.demo.logins import DEMO_PASSWORD, grant_demo_passwords, logins_with_work
from engine.demo.province_at_work import run_province_demo
from engine.report import format_summary
from web.server import serve_app

cli = build_cli()


@cli.command("serve")
@click.option("--bind", default="127.0.0.1:5000", show_default=True, help="HOST:PORT to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.pass_obj
def serve(ctx: CommandContext, bind: str, workers: int) -> None:
    """Serve the web app and API under gunicorn."""
    ctx.require_schema()
    serve_app(bind=bind, workers=workers)


@cli.command("demo")
@click.option(
    "--year",
    type=click.IntRange(2001, 2099),
    default=2026,
    show_default=True,
    help="The year under way; the year before it is run to the end first.",
)
@click.option("--projects", type=click.IntRange(1, 1_000_000), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Serve the web app afterwards.")
@click.option("--bind", default="127.0.0.1:5000", show_default=True)
@processes_option("the year's work")
@click.pass_obj
def demo(
    ctx: CommandContext,
    year: int,
    projects: int,
    seed: int,
    serve: bool,
    bind: str,
    processes: int,
):
    """Set up the database, run last year's loop and this year's into its evaluation season,
    print a summary and a login per role with work waiting."""
    require_postgres_for(ctx, processes)
    at_work = run_province_demo(
        ctx.engine,
        ctx.sessions,
        year=year,
        projects=projects,
        seed=seed,
        say=lambda line: click.echo(f"· {line}", err=True),
        processes=processes,
        url=ctx.settings.database_url,
    )
    click.echo(format_summary(at_work.previous))
    click.echo(format_at_work(at_work))
    with unit_of_work(ctx.sessions) as session:
        grant_demo_passwords(session)
        logins = logins_with_work(session)
    click.echo(f"登录 (log in) with password '{DEMO_PASSWORD}' as (each has work in its inbox):")
    for role, login in logins.items():
        click.echo(f"  {role:<12} {login}")
    if serve:
        click.echo(f"serving on http://{bind} (Ctrl-C to stop)", err=True)
        serve_app(bind=bind, workers=1)


def main() -> None:
    """Console entry point."""
    sys.exit(run(cli))
