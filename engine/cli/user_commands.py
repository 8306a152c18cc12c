"""`budgetloop user`: accounts, passwords and API tokens."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.identity import add_user
from engine.logins import set_password


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


@command.command("password")
@click.option("--name", required=True, help="Login name of the user.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (prompted, not echoed, when omitted; at least 8 characters).",
)
@click.pass_obj
def password(ctx: CommandContext, name: str, password: str):
    """Set a user's password for logging in to the pages (stored as a scrypt hash)."""
    with ctx.transaction() as session:
        set_password(session, name, password, actor="cli")
    click.echo(f"password set for {name}", err=True)
