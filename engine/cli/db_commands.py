"""`budgetloop db`: create and upgrade the schema."""

from __future__ import annotations

import click

from engine import reference, schema
from engine.actors import Actor
from engine.cli.context import CommandContext
from engine.composition import build_engine, deploy_shipped
from engine.db import unit_of_work


@click.group("db")
def command() -> None:
    """Database schema."""


@command.command("upgrade")
@click.pass_obj
def upgrade(ctx: CommandContext) -> None:
    """Create or upgrade the schema, then add any missing shipped reference data."""
    before = schema.current_revision(ctx.engine)
    schema.upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        added = reference.install(session)
        added["process_definitions"] = len(
            deploy_shipped(session, build_engine(), Actor.system("db upgrade"))
        )
    after = schema.current_revision(ctx.engine)
    moved = f"{before or 'empty'} → {after}" if before != after else f"already at {after}"
    extra = ", ".join(f"{count} {name}" for name, count in added.items() if count)
    click.echo(f"schema {moved}" + (f"; added {extra}" if extra else ""))


@command.command("current")
@click.pass_obj
def current(ctx: CommandContext) -> None:
    """Show the schema revision of the database and of this code."""
    click.echo(f"database: {schema.current_revision(ctx.engine) or 'empty'}")
    click.echo(f"code:     {schema.head_revision()}")
