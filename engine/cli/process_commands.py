"""`budgetloop process …`, `tick`, `incident …`, `task …`: operating the workflow runtime."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import func, select

from bpmn.xml import Source
from engine.actors import Actor
from engine.cli.context import CommandContext
from engine.composition import build_engine, deploy_shipped
from engine.errors import Conflict, InvalidInput
from engine.models import HumanTask, Incident, ProcessDefinition, ProcessInstance
from engine.models.types import utcnow
from engine.notifications.mail import smtp_channel
from engine.notifications.passes import run_pass
from engine.workflow.clock import ManualClock
from engine.workflow.definitions import deploy
from engine.workflow.ticker import DEFAULT_MAX_SECONDS, fire_due_timers

OPERATOR = Actor.system("cli")


def _read(paths: tuple[str, ...]) -> list[Source]:
    sources = []
    for raw in paths:
        path = Path(raw)
        try:
            sources.append(Source(path.name, path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise InvalidInput(f"{raw}: no such file") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{raw}: not UTF-8 text (is it a BPMN/DMN file?)") from None
        except OSError as error:
            raise InvalidInput(f"{raw}: cannot be read ({error.strerror})") from None
    return sources


@click.group("process")
def process() -> None:
    """Process definitions."""


@process.command("deploy")
@click.argument("files", nargs=-1, required=False)
@click.option("--shipped", is_flag=True, help="Deploy the shipped definitions not yet deployed.")
@click.pass_obj
def deploy_command(ctx: CommandContext, files: tuple[str, ...], shipped: bool) -> None:
    """Validate and deploy BPMN/DMN FILES as new versions (all or nothing)."""
    if not files and not shipped:
        raise InvalidInput("name the BPMN/DMN files to deploy, or use --shipped")
    engine = build_engine()
    sources = _read(files)
    with ctx.transaction() as session:
        results = deploy_shipped(session, engine, OPERATOR) if shipped else []
        if sources:
            results += deploy(session, sources, OPERATOR, engine.operations.names())
    for result in results:
        state = "deployed" if result.changed else "unchanged"
        click.echo(f"{result.file_name}: {result.key} v{result.version} {state}")
    if not results:
        click.echo("nothing to deploy")


@process.command("list")
@click.pass_obj
def list_command(ctx: CommandContext) -> None:
    """List deployed definitions, newest version of each key first."""
    with ctx.transaction() as session:
        rows = session.scalars(
            select(ProcessDefinition).order_by(
                ProcessDefinition.key, ProcessDefinition.version.desc()
            )
        ).all()
        counts = dict(
            session.execute(
                select(ProcessInstance.definition_id, func.count()).group_by(
                    ProcessInstance.definition_id
                )
            ).all()
        )
    for row in rows:
        click.echo(
            f"{row.key:<28} v{row.version:<3} {row.kind:<4} {row.sha256[:12]} "
            f"{row.deployed_at:%Y-%m-%d %H:%M} {row.deployed_by:<12} "
            f"{counts.get(row.id, 0):>6} instances  {row.file_name}"
        )


def parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--now {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"--now {value!r} needs a time zone, e.g. {value}+08:00")
    return moment


@click.command("tick")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO 8601 time.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True)
@click.option(
    "--max-seconds",
    type=click.FloatRange(0, 86_400),
    default=DEFAULT_MAX_SECONDS,
    show_default=True,
    help="Stop claiming new timers after this long and report how many are still due.",
)
@click.pass_obj
def tick(ctx: CommandContext, now_text: str | None, limit: int, max_seconds: float) -> None:
    """Fire every due timer, one transaction per instance."""
    moment = parse_now(now_text)
    engine = build_engine(clock=ManualClock(moment) if moment else None)
    ctx.require_schema()
    stats = fire_due_timers(
        engine, ctx.transaction, Actor.system("tick"), limit, max_seconds=max_seconds
    )
    click.echo(
        f"fired timers on {stats.fired} instances; {stats.incidents} incidents; "
        f"{stats.conflicts} conflicts"
    )
    if stats.out_of_time:
        click.echo(
            f"stopped after {max_seconds:g} seconds (--max-seconds); "
            f"{stats.left} timers still due: run tick again"
        )
    # The message centre: what the timers' work and the users' commands left to be told
    # (said only when there was something: a quiet tick prints what it always printed).
    told = run_pass(ctx.transaction, moment or utcnow(), smtp_channel())
    if told.eventful:
        click.echo(told.line())


@click.group("incident")
def incident() -> None:
    """Commands that failed inside the engine."""


@incident.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved incidents.")
@click.pass_obj
def incident_list(ctx: CommandContext, show_all: bool) -> None:
    """List open incidents (instance, element, error)."""
    with ctx.transaction() as session:
        query = select(Incident).order_by(Incident.id)
        if not show_all:
            query = query.where(Incident.resolved_at.is_(None))
        rows = session.scalars(query).all()
    if not rows:
        click.echo("no incidents")
    for row in rows:
        state = row.resolution or "open"
        click.echo(
            f"#{row.id} {state:<9} instance {row.instance_id} at {row.element_id}: "
            f"{row.error} (attempts {row.attempts})"
        )


@incident.command("retry")
@click.argument("incident_id", type=int)
@click.pass_obj
def incident_retry(ctx: CommandContext, incident_id: int) -> None:
    """Replay the failed command; the incident closes if it succeeds."""
    engine = build_engine()
    with ctx.transaction() as session:
        outcome = engine.retry_incident(session, incident_id, OPERATOR)
    if outcome.ok:
        click.echo(
            f"incident #{incident_id} retried: instance {outcome.instance_id} is {outcome.status}"
        )
    else:
        raise Conflict(f"incident #{incident_id} failed again: {outcome.error}")


@incident.command("resolve")
@click.argument("incident_id", type=int)
@click.option("--note", required=True, help="Why it is closed without a retry.")
@click.pass_obj
def incident_resolve(ctx: CommandContext, incident_id: int, note: str) -> None:
    """Close an incident without replaying it (the instance stays where it was)."""
    engine = build_engine()
    with ctx.transaction() as session:
        engine.resolve_incident(session, incident_id, OPERATOR, note)
    click.echo(f"incident #{incident_id} resolved")


@click.group("task")
def task() -> None:
    """The work queue."""


@task.command("list")
@click.option("--role", default=None)
@click.option("--org", "org_id", type=int, default=None, help="Organisation id.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_obj
def task_list(ctx: CommandContext, role: str | None, org_id: int | None, limit: int) -> None:
    """List ready tasks, oldest first."""
    with ctx.transaction() as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        if role:
            query = query.where(HumanTask.role == role)
        if org_id:
            query = query.where(HumanTask.org_id == org_id)
        rows = session.scalars(query.order_by(HumanTask.created_at, HumanTask.id).limit(limit))
        for row in rows:
            click.echo(
                f"#{row.id} {row.role:<11} org {row.org_id} {row.business_key:<22} "
                f"{row.name} [{row.form}]"
            )


@task.command("complete")
@click.argument("task_id", type=int)
@click.option("--data", "data_text", default="{}", help="The form's fields as a JSON object.")
@click.pass_obj
def task_complete(ctx: CommandContext, task_id: int, data_text: str) -> None:
    """Complete a task as an operator (recorded in the audit log)."""
    try:
        data = json.loads(data_text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"--data is not valid JSON: {error.msg} at column {error.colno}"
        ) from None
    engine = build_engine()
    with ctx.transaction() as session:
        outcome = engine.complete_task(session, task_id, data, OPERATOR)
    if outcome.ok:
        click.echo(f"task #{task_id} completed; instance {outcome.instance_id} is {outcome.status}")
    else:
        click.echo(
            f"task #{task_id} failed; incident #{outcome.incident_id}: {outcome.error}", err=True
        )


COMMANDS = (process, tick, incident, task)
