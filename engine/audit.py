"""Append-only, hash-chained audit log: append an event, verify the whole chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.models import AuditEvent, AuditHead
from engine.models.types import utcnow

GENESIS = "0" * 64
_HEAD_ID = 1


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value that hashes are computed over."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict,
    prev_hash: str,
) -> str:
    """SHA-256 over the event's fields and the previous event's hash."""
    body = canonical_json(
        [
            seq,
            at.isoformat(timespec="microseconds"),
            actor,
            action,
            object_type,
            object_id,
            payload,
            prev_hash,
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# Built once: every command runs these three statements.
_heads, _events = AuditHead.__table__, AuditEvent.__table__
LOCK_HEAD = select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == _HEAD_ID).with_for_update()
ADD_EVENT = insert(_events)
MOVE_HEAD = (
    update(_heads)
    .where(_heads.c.id == _HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain's tip row and return (seq, hash); concurrent appenders queue here."""
    query = LOCK_HEAD
    head = session.execute(query).first()
    if head is None:
        # The first event ever: create the tip row once, race-free, then lock it.
        dialect = session.get_bind().dialect.name
        insert_head = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert_head(AuditHead)
            .values(id=_HEAD_ID, seq=0, hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.execute(query).first()
    return head.seq, head.hash


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    payload: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event to the chain inside the caller's transaction."""
    last_seq, last_hash = _lock_head(session)
    stored_payload = json.loads(canonical_json(payload or {}))
    fields = dict(
        seq=last_seq + 1,
        at=at or utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=stored_payload,
        prev_hash=last_hash,
    )
    digest = event_hash(**fields)
    session.execute(ADD_EVENT, [{**fields, "hash": digest}])
    session.execute(MOVE_HEAD, {"new_seq": fields["seq"], "new_hash": digest})


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain: how many events, and the first problem if any."""

    events: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first edited, missing or reordered event."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            problem = _check(event, expected_seq, prev_hash)
            if problem:
                return ChainReport(count, problem)
            expected_seq, prev_hash, count = event.seq + 1, event.hash, count + 1
            last_seq = event.seq
        session.expunge_all()
    head = session.get(AuditHead, _HEAD_ID)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return ChainReport(
            count,
            f"the chain ends at event {expected_seq - 1} but its tip records event {head.seq}: "
            "events after it were deleted",
        )
    return ChainReport(count, None)


def _check(event: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing (the next stored event is {event.seq})"
    if event.prev_hash != prev_hash:
        return (
            f"event {event.seq} does not follow event {event.seq - 1}: "
            "events were reordered or replaced"
        )
    recomputed = event_hash(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )
    if recomputed != event.hash:
        return (
            f"event {event.seq} ({event.action} {event.object_type} {event.object_id}) was edited"
        )
    return None
