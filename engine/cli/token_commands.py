"""`budgetloop token`: API tokens (issue, list, revoke); each is valid for BUDGETLOOP_TOKEN_DAYS."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.config import MAX_TOKEN_DAYS
from engine.errors import InvalidInput
from engine.identity.users import issue_token_for, list_tokens, revoke_tokens


@click.group("token")
def command() -> None:
    """API tokens."""


@command.command("issue")
@click.option("--user", "login", required=True, help="Login name of the token's user.")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    help="Days the token is valid (default BUDGETLOOP_TOKEN_DAYS, 90).",
)
@click.pass_obj
def issue(ctx: CommandContext, login: str, days: int | None):
    """Print a new API token for an active user (shown only this once)."""
    days = days or ctx.settings.token_days
    with ctx.transaction() as session:
        token = issue_token_for(session, login, days=days, actor="cli")
    click.echo(f"API token for {login} (shown once, valid {days} days):", err=True)
    click.echo(token)


@command.command("list")
@click.option("--user", "login", default=None, help="Only this user's tokens.")
@click.pass_obj
def list_(ctx: CommandContext, login: str | None):
    """Every token: id, prefix, user, issued, expires, and whether it works now."""
    with ctx.transaction() as session:
        lines = list_tokens(session, login)
    for line in lines:
        expires = f"{line.expires_at:%Y-%m-%d %H:%M}" if line.expires_at else "never"
        click.echo(
            f"{line.id}\t{line.prefix}\t{line.login}\t{line.created_at:%Y-%m-%d %H:%M}\t"
            f"{expires}\t{line.state}"
        )
    click.echo(f"{len(lines)} token(s)", err=True)


@command.command("revoke")
@click.argument("token", required=False)
@click.option("--id", "token_id", type=click.IntRange(1), default=None, help="The token's id.")
@click.option("--user", "login", default=None, help="Revoke every token of this user.")
@click.pass_obj
def revoke(ctx: CommandContext, token: str | None, token_id: int | None, login: str | None):
    """Revoke a token, named by itself, its 10-character prefix or --id; or all of a --user's."""
    if sum(value is not None for value in (token, token_id, login)) != 1:
        raise InvalidInput(
            "name what to revoke once: TOKEN (or its prefix), --id N, or --user LOGIN",
            errors={"token": "exactly one of token, id, user"},
        )
    with ctx.transaction() as session:
        done = revoke_tokens(session, actor="cli", token=token, token_id=token_id, login=login)
        revoked = [row.prefix for row in done.revoked]
        already = [row.prefix for row in done.already]
    if revoked:
        click.echo(f"revoked {len(revoked)} token(s): {', '.join(revoked)}", err=True)
    if already:
        click.echo(f"already revoked: {', '.join(already)}", err=True)
    if not revoked and not already:
        click.echo(f"{login} has no API tokens", err=True)
