"""Appending to the chain: lock its tip row, sign the next event, move the tip.

The tip row (`AuditHead`, one row) records the last event's seq and hash, so appenders queue on
its lock instead of racing for the next seq, and deleting events off the end is detectable.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.audit.formula import GENESIS, canonical_json, event_mac
from engine.audit_keys import load_key_ring
from engine.models import AuditEvent, AuditHead
from engine.models.types import utcnow

HEAD_ID = 1

# Built once: every command runs these three statements.
_heads, _events = AuditHead.__table__, AuditEvent.__table__
LOCK_HEAD = select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == HEAD_ID).with_for_update()
ADD_EVENT = insert(_events)
MOVE_HEAD = (
    update(_heads)
    .where(_heads.c.id == HEAD_ID)
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
            .values(id=HEAD_ID, seq=0, hash=GENESIS)
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
    """Append one event to the chain in the caller's transaction, signed with the current key."""
    ring = load_key_ring()
    key_id = ring.current
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
    digest = event_mac(ring.secret(key_id), key_id=key_id, **fields)
    session.execute(ADD_EVENT, [{**fields, "key_id": key_id, "hash": digest}])
    session.execute(MOVE_HEAD, {"new_seq": fields["seq"], "new_hash": digest})
