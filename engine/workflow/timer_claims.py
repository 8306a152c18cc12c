"""Claiming the next due timer for a ticker: the lock that keeps tickers from colliding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, Timer
from engine.workflow.partition import EVERYTHING, Partition


def claim_due_timer(
    session: Session,
    clock: Callable[[], datetime],
    skip: set[int],
    partition: Partition = EVERYTHING,
) -> Timer | None:
    """Lock the instance of the next due timer that no other command holds.

    The instance is the unit of work, so that is the row to lock (SKIP LOCKED on
    PostgreSQL): a ticker never waits for, or deadlocks with, another command on the same
    instance. The timer is read again once locked, since another ticker may just have
    fired it. Timers found already fired are added to `skip`. Only instances of the worker's
    `partition` are claimed.
    """
    owned = partition.where(Timer.instance_id)
    while True:
        query = (
            select(Timer)
            .join(ProcessInstance, Timer.instance_id == ProcessInstance.id)
            .where(
                Timer.status == "waiting",
                Timer.due_at <= clock(),
                # An instance with an open incident waits for an operator, timers included.
                ProcessInstance.status != "incident",
            )
            .order_by(Timer.due_at, Timer.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=ProcessInstance)
        )
        if skip:
            query = query.where(Timer.id.not_in(skip))
        if owned is not None:
            query = query.where(owned)
        timer = session.scalars(query).first()
        if timer is None:
            return None
        status = session.scalar(
            select(Timer.status)
            .where(Timer.id == timer.id)
            .execution_options(populate_existing=True)
        )
        if status == "waiting":
            return timer
        skip.add(timer.id)
