"""`budgetloop user`: accounts and API tokens."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.identity import add_user


@click.group("user")
def command() -> None:
    """User accounts."""


@command.command("add")
@click.option("--name", required=True, help="Login name (letters, digits, . _ -).")
@click.option(
    "--role", required=True, help="unit, department, finance, performance, evaluator or supervisor."
)
@click.option("--org", "org_code", required=True, help="Organisation code, e.g. 401001.")
@click.option("--display-name", default=None, help="Full name shown in the UI.")
@click.pass_obj
def add(ctx: CommandContext, name: str, role: str, org_code: str, display_name: str | None):
    """Create a user and print a new API token (shown only this once)."""
    with ctx.transaction() as session:
        created = add_user(
            session,
            login=name,
            role=role,
            org_code=org_code,
            display_name=display_name,
            actor="cli",
        )
    click.echo(f"created user {name} ({role}, {org_code}); API token (shown once):", err=True)
    click.echo(created.token)
