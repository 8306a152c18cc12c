"""`budgetloop alerts …`: compute a monitoring round's alerts and summarise them."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from engine.cli.context import CommandContext
from engine.composition import register_areas
from engine.errors import NotFound
from engine.models import Alert, MonitoringTask
from engine.monitoring.families import alert_settings, family_of
from engine.monitoring.set_based import compute_round


@click.group("alerts")
def command() -> None:
    """Deviation alerts."""


@command.command("compute")
@click.option("--task", "task_id", type=int, required=True, help="Monitoring round (task) id.")
@click.option(
    "--family",
    default=None,
    help="Rule family, e.g. pace or calendar (default: the region's configured one).",
)
@click.pass_obj
def compute(ctx: CommandContext, task_id: int, family: str | None) -> None:
    """Raise the alerts of every report of a round that has none yet (set-based)."""
    register_areas()  # the alert families, as the engine's composition root registers them
    with ctx.transaction() as session:
        task = session.get(MonitoringTask, task_id)
        if task is None:
            raise NotFound(f"no monitoring task {task_id}")
        # The summary counts this family's alerts only, never another family's beside them.
        family = family_of(alert_settings(session, task), family).name
        reports = compute_round(session, task_id, family=family)
        colours = dict(
            session.execute(
                select(Alert.colour, func.count())
                .where(
                    Alert.task_id == task_id,
                    Alert.kind == "project",
                    Alert.rule_family == family,
                )
                .group_by(Alert.colour)
            ).all()
        )
    summary = "  ".join(
        f"{c.value} {n:,}" for c, n in sorted(colours.items(), key=lambda i: i[0].value)
    )
    click.echo(
        f"task {task_id}: {reports:,} reports alerted ({family}); projects by colour: {summary}"
    )
