"""Signing the events written before the chain was keyed, once, at the upgrade to revision 0009.

The migration calls this module rather than carrying its own copy of the formula: the signature
it writes must be the one `audit verify` checks.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from engine.audit.chain import HEAD_ID, MOVE_HEAD
from engine.audit.formula import GENESIS, event_hash, event_mac
from engine.audit_keys import KeyRing, load_key_ring
from engine.models import AuditEvent, AuditHead

_heads, _events = AuditHead.__table__, AuditEvent.__table__


def sign_unkeyed(session: Session, ring: KeyRing | None = None, batch: int = 5000) -> str | None:
    """Sign the events written before the chain was keyed (the upgrade to revision 0009).

    Their plain SHA-256 chain is checked first; only an intact chain is signed, with the
    current key, event by event in order, and the tip moved to the last signature. A broken
    chain is left unsigned, so `audit verify` keeps reporting it rather than the upgrade
    vouching for a change; the problem is returned. Returns None when all is signed.
    """
    columns = (
        AuditEvent.seq,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.payload,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )

    def events():
        last = 0
        while rows := session.execute(
            select(*columns).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all():
            yield from rows
            last = rows[-1].seq

    expected, prev = 1, GENESIS
    for row in events():
        fields = row._asdict()
        stored = fields.pop("hash")
        if row.seq != expected or row.prev_hash != prev or event_hash(**fields) != stored:
            return f"event {expected} does not verify with the unkeyed formula"
        expected, prev = row.seq + 1, stored
    head = session.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == HEAD_ID))
    tip = head.first()
    if tip is not None and (tip.seq, tip.hash) != (expected - 1, prev):
        return f"the chain ends at event {expected - 1} but its tip records event {tip.seq}"
    if expected == 1:
        return None  # no events: nothing to sign (and no key needed yet)
    ring = ring or load_key_ring()
    key_id, secret = ring.current, ring.secret(ring.current)
    sign = (
        update(_events)
        .where(_events.c.seq == bindparam("at_seq"))
        .values(key_id=key_id, prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"))
    )
    prev, pending, last_seq = GENESIS, [], 0
    for row in events():
        fields = {**row._asdict(), "prev_hash": prev}
        del fields["hash"]
        prev = event_mac(secret, key_id=key_id, **fields)
        pending.append({"at_seq": row.seq, "new_prev": fields["prev_hash"], "new_hash": prev})
        last_seq = row.seq
        if len(pending) >= batch:
            session.execute(sign, pending)
            pending = []
    if pending:
        session.execute(sign, pending)
    if last_seq:
        session.execute(MOVE_HEAD, {"new_seq": last_seq, "new_hash": prev})
    return None
