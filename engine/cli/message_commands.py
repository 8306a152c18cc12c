"""`budgetloop messages …`: the message centre's pass, by hand."""

from __future__ import annotations

import click

from engine.cli.context import CommandContext
from engine.cli.process_commands import parse_now
from engine.models.types import utcnow
from engine.notifications.mail import smtp_channel
from engine.notifications.passes import run_pass


@click.group("messages")
def command() -> None:
    """The message centre (站内消息): new tasks, returns, alerts, deadlines, decisions."""


@command.command("sweep")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO 8601 time.")
@click.pass_obj
def sweep_command(ctx: CommandContext, now_text: str | None) -> None:
    """Produce the messages due now (and send pending e-mail when a relay is configured)."""
    ctx.require_schema()
    click.echo(run_pass(ctx.transaction, parse_now(now_text) or utcnow(), smtp_channel()).line())
