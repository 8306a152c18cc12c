"""Appending to the chain: events wait in the session and are sealed at its commit.

An append only notes the event in the session (`session.info`). When the session's outermost
transaction commits, its events are sealed in one go: lock the chain's tip row (`AuditHead`,
one row recording the last event's seq and hash), number and sign each event after the one
before, insert them all; the database moves the tip with them. Appenders still queue on the
tip's lock, but only for the moment of their commit, not for the whole command (issue 12: the
tip was held for 16 % of all command time, and nearly all of a self-evaluation's); the chain's
order is commit order.

A savepoint rolled back drops the events appended inside it, as the database drops its rows;
a query of the audit tables in the same transaction first seals what is waiting, so a reader
never misses an event its own transaction appended.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FromClause

from engine.audit.formula import GENESIS, canonical_json, event_mac
from engine.audit_keys import load_key_ring
from engine.db import insert_once
from engine.models import AuditEvent, AuditHead
from engine.models.types import utcnow

HEAD_ID = 1
PENDING = "budgetloop.audit.pending"  # session.info: events appended, not yet sealed
_SERIAL = "budgetloop.audit.serial"  # session.info: the next event's number in the session
_MARKS = "budgetloop.audit.marks"  # session.info: the serial at which each savepoint began
_SEALED = "budgetloop.audit.sealed"  # session.info: what was sealed inside open savepoints

# Built once: every commit that appended runs the first two (the database moves the tip as the
# events go in); MOVE_HEAD is for rewriting signatures in place (unkeyed.py).
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
        insert_once(session, AuditHead, {"id": HEAD_ID, "seq": 0, "hash": GENESIS}, ["id"])
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
    """Append one event to the chain in the caller's transaction; it is sealed (numbered,
    signed with the current key and written) when the transaction commits."""
    # A key ring that cannot be read fails the command now, where its error is reported, not
    # at the commit (one stat() of the key file; the seal signs with the ring as it is then).
    load_key_ring()
    serial = session.info.get(_SERIAL, 0)
    session.info[_SERIAL] = serial + 1
    fields = dict(
        at=at or utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=json.loads(canonical_json(payload or {})),
    )
    session.info.setdefault(PENDING, []).append((serial, fields))


def seal(session: Session) -> int:
    """Write the session's waiting events to the chain now; how many."""
    pending = session.info.get(PENDING)
    if not pending:
        return 0
    session.info[PENDING] = []
    ring = load_key_ring()
    key_id = ring.current
    secret = ring.secret(key_id)
    last_seq, last_hash = _lock_head(session)
    rows = []
    for _, fields in pending:
        last_seq += 1
        fields = dict(fields, seq=last_seq, prev_hash=last_hash)
        last_hash = event_mac(secret, key_id=key_id, **fields)
        rows.append({**fields, "key_id": key_id, "hash": last_hash})
    session.execute(ADD_EVENT, rows)  # the tip follows them (a trigger: models/audit.py)
    savepoints = _open_savepoints(session)
    if savepoints:
        # Sealed inside a savepoint: if it rolls back, these rows go with it, and the events
        # appended before it began must wait again (_drop_rolled_back).
        session.info.setdefault(_SEALED, []).append((savepoints, pending))
    return len(rows)


def _open_savepoints(session: Session) -> frozenset:
    found, transaction = set(), session.get_nested_transaction()
    while transaction is not None and transaction.nested:
        found.add(transaction)
        transaction = transaction.parent
    return frozenset(found)


@event.listens_for(Session, "before_commit")
def _seal_at_commit(session: Session) -> None:
    # Fired for a savepoint's commit too: its events wait for the outermost commit.
    if not session.in_nested_transaction():
        seal(session)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = session.info.get(_SERIAL, 0)


def _outermost(transaction) -> bool:
    # A flush runs in a subtransaction, neither nested nor outermost: it is no one's end.
    return not transaction.nested and transaction.parent is None


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, transaction) -> None:
    if _outermost(transaction):
        for key in (PENDING, _SEALED, _MARKS):
            session.info.pop(key, None)
        return
    if not transaction.nested:
        return
    mark = session.info.get(_MARKS, {}).pop(transaction, None)
    if mark is None:
        return
    kept = [item for item in session.info.get(PENDING, []) if item[0] < mark]
    sealed = session.info.get(_SEALED, [])
    for savepoints, events in [record for record in sealed if transaction in record[0]]:
        sealed.remove((savepoints, events))
        kept.extend(item for item in events if item[0] < mark)
    session.info[PENDING] = sorted(kept, key=lambda item: item[0])


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction(session: Session, transaction) -> None:
    # A savepoint's mark stays until the outermost transaction ends: this event comes before
    # after_soft_rollback, which still needs it.
    if _outermost(transaction):
        for key in (PENDING, _SEALED, _MARKS):
            session.info.pop(key, None)


@event.listens_for(Session, "do_orm_execute")
def _seal_before_reading(state) -> None:
    if state.session.info.get(PENDING) and state.is_select and _reads_audit(state.statement):
        seal(state.session)


def _reads_audit(statement) -> bool:
    """Whether a SELECT names the audit tables in its columns, FROM or joins (subqueries are
    not looked into). Select.get_final_froms() would say it for sure, but costs most of a
    millisecond per statement; every query of a command passes here."""
    froms = [*getattr(statement, "columns_clause_froms", ()), *getattr(statement, "_from_obj", ())]
    froms += [join[0] for join in getattr(statement, "_setup_joins", ())]
    audit_tables = (_events, _heads)
    return any(
        isinstance(item, FromClause) and any(item.is_derived_from(t) for t in audit_tables)
        for item in froms
    )
