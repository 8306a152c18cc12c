"""`budgetloop audit`: check the hash-chained audit log."""

from __future__ import annotations

import click

from engine import audit
from engine.cli.context import CommandContext
from engine.errors import AuditChainBroken


@click.group("audit")
def command() -> None:
    """Audit log."""


@command.command("verify")
@click.pass_obj
def verify(ctx: CommandContext) -> None:
    """Verify every event's hash and order; exit non-zero at the first problem."""
    with ctx.transaction() as session:
        report = audit.verify(session)
    if not report.ok:
        raise AuditChainBroken(
            f"audit chain broken after {report.events:,} good events: {report.problem}"
        )
    click.echo(f"audit chain intact: {report.events:,} events")
