"""Fire every due timer, one instance per transaction: what `budgetloop tick` does."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict
from engine.models import ProcessInstance, Timer
from engine.workflow.partition import EVERYTHING, Partition

DEFAULT_MAX_SECONDS = 300.0
"""How long one `budgetloop tick` claims timers before it stops and reports what is left."""


@dataclass
class TickStats:
    """What one pass over the due timers did."""

    fired: int = 0
    incidents: int = 0
    conflicts: int = 0
    out_of_time: bool = False  # stopped claiming at the time limit
    left: int = 0  # due timers still waiting when it stopped at the time limit
    passed_over: int = 0  # timers left waiting after an attempt, not claimed again this pass


def fire_due_timers(
    engine,
    transaction: Callable[[], AbstractContextManager[Session]],
    actor: Actor,
    limit: int = 1_000_000,
    *,
    max_seconds: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    partition: Partition = EVERYTHING,
) -> TickStats:
    """Claim and fire due timers until none is left (or `limit` instances were handled, or
    `max_seconds` have passed: then no new timer is claimed and `left` counts those still due).

    Each instance is one transaction from `transaction()`; a timer whose instance another
    command changed meanwhile counts as a conflict and is left for the next pass. A worker
    of several claims only the timers of its `partition`'s instances.
    """
    # Only timers an attempt left waiting are passed over for the rest of the pass (a conflict,
    # or a timer the process did not take): the claim's NOT IN stays as short as the trouble,
    # not as long as every timer fired so far, so a pass costs the same per timer throughout.
    stats, passed_over = TickStats(), set()
    deadline = None if max_seconds is None else monotonic() + max_seconds
    while stats.fired + stats.incidents < limit:
        if deadline is not None and monotonic() >= deadline:
            stats.out_of_time = True
            with transaction() as session:
                stats.left = due_timers(engine, session, partition)
            break
        claimed = None
        try:
            with transaction() as session:
                timer = engine.claim_due_timer(session, passed_over, partition)
                if timer is None:
                    break
                claimed = timer.id
                outcome = engine.fire_timers(session, timer.instance_id, actor)
                if _still_due(session, engine, claimed):
                    passed_over.add(claimed)
        except Conflict:
            stats.conflicts += 1
            if claimed is not None:
                passed_over.add(claimed)
            continue
        if outcome.ok:
            stats.fired += 1
        else:
            stats.incidents += 1
    stats.passed_over = len(passed_over)
    return stats


def due_timers(engine, session: Session, partition: Partition = EVERYTHING) -> int:
    """How many timers (of `partition`) are due by the engine's clock (instances with an open
    incident wait)."""
    query = (
        select(func.count())
        .select_from(Timer)
        .join(ProcessInstance, Timer.instance_id == ProcessInstance.id)
        .where(
            Timer.status == "waiting",
            Timer.due_at <= engine.clock(),
            ProcessInstance.status != "incident",
        )
    )
    owned = partition.where(Timer.instance_id)
    if owned is not None:
        query = query.where(owned)
    return session.scalar(query) or 0


def _still_due(session: Session, engine, timer_id: int) -> bool:
    """Whether the timer is still waiting and due after its instance's timers fired."""
    due_at = session.scalar(
        select(Timer.due_at).where(Timer.id == timer_id, Timer.status == "waiting")
    )
    return due_at is not None and due_at <= engine.clock()
