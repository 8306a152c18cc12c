"""`budgetloop user`: accounts, passwords and API tokens."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.errors import InvalidInput
from engine.identity.logins import set_password
from engine.identity.permissions import USER_ROLES
from engine.identity.users import activate_user, add_user, deactivate_user


@click.group("user")
def command() -> None:
    """User accounts."""


@command.command("add")
@click.option("--name", required=True, help="Login name (letters, digits, . _ -).")
@click.option("--role", required=True, help=f"One of: {', '.join(r.value for r in USER_ROLES)}.")
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
            token_days=ctx.settings.token_days,
        )
    click.echo(
        f"created user {name} ({role}, {org_code}); API token (shown once, valid "
        f"{ctx.settings.token_days} days):",
        err=True,
    )
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
    """Set a user's password for the pages (a scrypt hash); every session of theirs ends."""
    with ctx.transaction() as session:
        set_password(session, name, password, actor="cli")
    click.echo(f"password set for {name}; every session of theirs has ended", err=True)


def _one_login(login: str | None, name: str | None) -> str:
    if (login is None) == (name is None):
        raise InvalidInput(
            "name the user once: `LOGIN` or `--name LOGIN`", errors={"name": "required"}
        )
    return login if login is not None else name


@command.command("deactivate")
@click.argument("login", required=False)
@click.option("--name", default=None, help="Login name of the user (or give it as LOGIN).")
@click.pass_obj
def deactivate(ctx: CommandContext, login: str | None, name: str | None):
    """Stop a user: no login, every session ends, every API token is revoked."""
    login = _one_login(login, name)
    with ctx.transaction() as session:
        revoked = deactivate_user(session, login, actor="cli")
    if revoked is None:
        click.echo(f"{login} is already deactivated", err=True)
    else:
        click.echo(
            f"deactivated {login}: every session ended, {revoked} API token(s) revoked", err=True
        )


@command.command("activate")
@click.argument("login", required=False)
@click.option("--name", default=None, help="Login name of the user (or give it as LOGIN).")
@click.pass_obj
def activate(ctx: CommandContext, login: str | None, name: str | None):
    """Let a deactivated user log in again (issue a token with `budgetloop token issue`)."""
    login = _one_login(login, name)
    with ctx.transaction() as session:
        changed = activate_user(session, login, actor="cli")
    click.echo(f"activated {login}" if changed else f"{login} is already active", err=True)
