"""Fire every due timer, one instance per transaction: what `budgetloop tick` does."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict


@dataclass
class TickStats:
    """What one pass over the due timers did."""

    fired: int = 0
    incidents: int = 0
    conflicts: int = 0


def fire_due_timers(
    engine,
    transaction: Callable[[], AbstractContextManager[Session]],
    actor: Actor,
    limit: int = 1_000_000,
) -> TickStats:
    """Claim and fire due timers until none is left (or `limit` instances were handled).

    Each instance is one transaction from `transaction()`; a timer whose instance another
    command changed meanwhile counts as a conflict and is left for the next pass.
    """
    stats, attempted = TickStats(), set()
    while stats.fired + stats.incidents < limit:
        try:
            with transaction() as session:
                timer = engine.claim_due_timer(session, attempted)
                if timer is None:
                    break
                attempted.add(timer.id)
                outcome = engine.fire_timers(session, timer.instance_id, actor)
        except Conflict:
            stats.conflicts += 1
            continue
        if outcome.ok:
            stats.fired += 1
        else:
            stats.incidents += 1
    return stats
