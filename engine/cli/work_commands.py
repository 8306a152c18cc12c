"""`budgetloop work`: the engine's background work (due timers, and the service tasks they run
into), kept going in one process or shared by several on PostgreSQL (issue 12).

Each of N worker processes owns the instances whose id is its number modulo N
(engine/workflow/partition.py): it claims only their timers and keeps only their workflows in
memory. `tick` is one pass in this process; `work` repeats passes every `--poll` seconds until
stopped (Ctrl-C or SIGTERM: each worker finishes the instance in hand), or makes one pass with
`--once`.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import time

import click

from engine.actors import Actor
from engine.cli.context import CommandContext
from engine.composition import build_engine
from engine.db import create_db_engine, unit_of_work
from engine.db import session_factory as sessions_of
from engine.errors import InvalidInput
from engine.models.types import utcnow
from engine.notifications.mail import smtp_channel
from engine.notifications.passes import run_pass
from engine.workflow.partition import MAX_WORKERS, Partition
from engine.workflow.ticker import fire_due_timers

ACTOR = Actor.system("worker")
MESSAGES_EVERY = 60.0  # seconds between the message centre's passes


def _worker(url: str, index: int, count: int, poll: float, once: bool, stop, results) -> None:
    """A worker process: passes over its partition until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent tells it to stop
    partition, totals = Partition(index, count), [0, 0, 0]
    next_messages = 0.0
    engine = create_db_engine(url)
    try:
        sessions, workflow = sessions_of(engine), build_engine()
        while True:
            stats = fire_due_timers(
                workflow, lambda: unit_of_work(sessions), ACTOR, partition=partition
            )
            for position, value in enumerate((stats.fired, stats.incidents, stats.conflicts)):
                totals[position] += value
            if index == 0 and time.monotonic() >= next_messages:
                # One worker tells people what the passes left (each message is made once
                # anyway), once a minute: a quiet pass re-reads the news window (bench/messages.py).
                run_pass(lambda: unit_of_work(sessions), utcnow(), smtp_channel())
                next_messages = time.monotonic() + MESSAGES_EVERY
            if once or stop.wait(poll):
                break
    finally:
        engine.dispose()
        results.put((index, *totals))


def processes_option(what: str):
    """`--processes K` (1–64), for a command whose `what` K processes can share."""
    return click.option(
        "--processes",
        type=click.IntRange(1, MAX_WORKERS),
        default=1,
        show_default=True,
        help=f"Processes sharing {what} (more than one needs PostgreSQL).",
    )


def require_postgres_for(ctx: CommandContext, processes: int) -> None:
    """Refuse more than one process on SQLite, before any work starts."""
    if processes > 1 and ctx.engine.dialect.name != "postgresql":
        raise InvalidInput(
            "--processes above 1 needs PostgreSQL: SQLite lets one transaction write at a time, "
            "so more processes would only queue for it (use --processes 1)",
            errors={"processes": "needs PostgreSQL"},
        )


@click.command("work")
@processes_option("the background work")
@click.option(
    "--poll",
    type=click.FloatRange(0.05, 3600),
    default=5.0,
    show_default=True,
    help="Seconds between passes over the due timers.",
)
@click.option("--once", is_flag=True, help="Make one pass and stop.")
@click.pass_obj
def command(ctx: CommandContext, processes: int, poll: float, once: bool) -> None:
    """Fire due timers (and the service tasks after them) until stopped."""
    ctx.require_schema()
    require_postgres_for(ctx, processes)
    url = ctx.settings.database_url
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, index, processes, poll, once, stop, results))
        for index in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        for worker in workers:
            worker.join()
    finally:
        signal.signal(signal.SIGTERM, previous)
    rows = []
    for _ in workers:
        try:
            rows.append(results.get(timeout=5))
        except queue.Empty:
            break  # a worker that died reports nothing; its exit code says so below
    rows.sort()
    for index, fired, incidents, conflicts in rows:
        click.echo(
            f"worker {index + 1}/{processes}: fired timers on {fired} instances; "
            f"{incidents} incidents; {conflicts} conflicts"
        )
    failed = [w.exitcode for w in workers if w.exitcode]
    click.echo(f"{processes} worker(s) stopped after {time.monotonic() - started:.1f} s")
    if failed:
        raise click.ClickException(f"a worker process failed (exit codes {failed})")
