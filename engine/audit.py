"""Append-only, keyed hash chain of audit events: append, verify, anchor the head outside.

Every event carries an HMAC-SHA256 over its fields and the previous event's hash, keyed with a
secret kept outside the database (`engine.audit_keys`) and recorded by key id, so whoever can
write the database but does not hold the key cannot edit an event and recompute the chain.
Events written before the chain was keyed are signed at the upgrade (revision 0009, after
their plain SHA-256 chain is checked), so every event carries a key id and an unsigned event
is a forgery: there is no "legacy" state for a database writer to relabel a rewrite as.
An anchor is the signed head (seq, hash, time, key id) written outside the database; verifying
against anchors detects a rewritten history or a truncated chain even by someone with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.audit_keys import KEY_ID, KeyRing, load_key_ring
from engine.errors import InvalidInput
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


def _event_body(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict,
    prev_hash: str,
) -> list:
    """The event's fields and the previous event's hash, in the order both formulas hash."""
    return [
        seq,
        at.isoformat(timespec="microseconds"),
        actor,
        action,
        object_type,
        object_id,
        payload,
        prev_hash,
    ]


def event_hash(**fields) -> str:
    """SHA-256 over the event's fields and the previous event's hash (unkeyed events, from
    before revision 0009: checked once more when the upgrade signs them)."""
    body = canonical_json(_event_body(**fields))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def event_mac(secret: bytes, *, key_id: str, **fields) -> str:
    """HMAC-SHA256, keyed with `secret`, over the event's fields, key id and previous hash."""
    body = canonical_json([*_event_body(**fields), key_id])
    return hmac.new(secret, body.encode("utf-8"), hashlib.sha256).hexdigest()


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


@dataclass(frozen=True)
class Anchor:
    """The chain's head at a moment, signed, to be kept outside the database."""

    seq: int
    hash: str
    time: str
    key_id: str
    mac: str
    line: int = 0

    def to_line(self) -> str:
        """One JSON line, the form `audit anchor` prints and `audit verify --anchor` reads."""
        return canonical_json(
            {
                "seq": self.seq,
                "hash": self.hash,
                "time": self.time,
                "key_id": self.key_id,
                "mac": self.mac,
            }
        )


ANCHOR_FIELDS_ORDER = ("seq", "hash", "time", "key_id", "mac")
ANCHOR_FIELDS = frozenset(ANCHOR_FIELDS_ORDER)
MAX_ANCHOR_LINE = 1024
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def anchor_mac(secret: bytes, *, seq: int, hash: str, time: str, key_id: str) -> str:
    """HMAC-SHA256 over an anchor's fields."""
    body = canonical_json(["budgetloop audit anchor", seq, hash, time, key_id])
    return hmac.new(secret, body.encode("utf-8"), hashlib.sha256).hexdigest()


def make_anchor(session: Session, ring: KeyRing | None = None) -> Anchor | None:
    """The signed head of the chain now, or None when the log is empty."""
    ring = ring or load_key_ring()
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if last is None:
        return None
    time = utcnow().isoformat(timespec="seconds")
    key_id = ring.current
    mac = anchor_mac(ring.secret(key_id), seq=last.seq, hash=last.hash, time=time, key_id=key_id)
    return Anchor(last.seq, last.hash, time, key_id, mac)


def read_anchors(lines: Iterable[str], source: str, ring: KeyRing | None = None) -> list[Anchor]:
    """Parse and authenticate anchor lines (blank lines and `#` comments are skipped).

    Raises `InvalidInput` naming the line for anything that is not an anchor signed by a key of
    the ring: an altered anchor file must not pass for a checked one.
    """
    ring = ring or load_key_ring()
    anchors = []
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue

        def bad(reason: str, number: int = number) -> InvalidInput:
            return InvalidInput(f"the anchor file {source}, line {number}: {reason}")

        if len(text) > MAX_ANCHOR_LINE:
            raise bad(f"longer than {MAX_ANCHOR_LINE} characters, not an audit anchor")
        try:
            data = json.loads(text)
        except ValueError:
            raise bad("not JSON, not an audit anchor") from None
        if not isinstance(data, dict) or set(data) != ANCHOR_FIELDS:
            raise bad("not an audit anchor (expected seq, hash, time, key_id, mac)")
        seq, digest, time, key_id, mac = (data[name] for name in ANCHOR_FIELDS_ORDER)
        if type(seq) is not int or seq < 1:
            raise bad("seq is not a positive integer")
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise bad("hash is not 64 hexadecimal digits")
        if not isinstance(mac, str) or not _HEX64.match(mac):
            raise bad("mac is not 64 hexadecimal digits")
        if not isinstance(time, str) or not 0 < len(time) <= 40:
            raise bad("time is not a time")
        if not isinstance(key_id, str) or not KEY_ID.match(key_id):
            raise bad("key_id is not a key id")
        secret = ring.secret(key_id)
        if secret is None:
            raise bad(f"signed with the audit key {key_id!r}, which is not in {ring.source}")
        expected = anchor_mac(secret, seq=seq, hash=digest, time=time, key_id=key_id)
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            raise bad(
                f"its mac does not match: the line was altered, or {key_id!r} in "
                f"{ring.source} is not the key that signed it"
            )
        anchors.append(Anchor(seq, digest, time, key_id, mac, number))
    if not anchors:
        raise InvalidInput(f"the anchor file {source} holds no anchors")
    return anchors


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain: how many events, and the first problem if any.

    `key_ids` names the keys that signed the events, `anchors` counts the anchors that matched.
    """

    events: int
    problem: str | None
    key_ids: tuple[str, ...] = field(default=())
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class _Walk:
    ring: KeyRing
    pinned: dict[int, list[Anchor]]
    expected_seq: int = 1
    prev_hash: str = GENESIS
    count: int = 0
    key_ids: dict[str, None] = field(default_factory=dict)
    anchors: int = 0
    last_anchor: int = 0

    def report(self, problem: str | None) -> ChainReport:
        return ChainReport(self.count, problem, tuple(self.key_ids), self.anchors)


def verify(
    session: Session,
    batch: int = 5000,
    *,
    ring: KeyRing | None = None,
    anchors: Iterable[Anchor] = (),
) -> ChainReport:
    """Walk the chain in order and report the first edited, missing or reordered event.

    Signed events are checked with the key ring (the configured one by default); with
    `anchors`, every anchored event must still be in the chain with the anchored hash.
    """
    walk = _Walk(ring or load_key_ring(), {})
    for anchor in anchors:
        walk.pinned.setdefault(anchor.seq, []).append(anchor)
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
            problem = _check(event, walk) or _check_anchors(event, walk)
            if problem:
                return walk.report(problem)
            walk.expected_seq, walk.prev_hash = event.seq + 1, event.hash
            walk.count += 1
            last_seq = event.seq
        session.expunge_all()
    last = walk.expected_seq - 1
    head = session.get(AuditHead, _HEAD_ID)
    if head is not None and (head.seq, head.hash) != (last, walk.prev_hash):
        return walk.report(
            f"the chain ends at event {last} but its tip records event {head.seq}: "
            "events after it were deleted"
        )
    if walk.pinned:
        anchor = walk.pinned[min(walk.pinned)][0]
        return walk.report(
            f"event {last + 1} is missing: the chain ends at event {last} but the anchor of "
            f"{anchor.time} (line {anchor.line}) records event {anchor.seq}: "
            "the chain was truncated"
        )
    return walk.report(None)


def _check(event: AuditEvent, walk: _Walk) -> str | None:
    if event.seq != walk.expected_seq:
        return f"event {walk.expected_seq} is missing (the next stored event is {event.seq})"
    if event.prev_hash != walk.prev_hash:
        return (
            f"event {event.seq} does not follow event {event.seq - 1}: "
            "events were reordered or replaced"
        )
    fields = dict(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )
    what = f"event {event.seq} ({event.action} {event.object_type} {event.object_id})"
    if event.key_id is None:
        return (
            f"{what} is unsigned (no key id): it was forged, or left unsigned by the upgrade "
            "to revision 0009 because the chain was already broken then"
        )
    secret = walk.ring.secret(event.key_id)
    if secret is None:
        return (
            f"{what} is signed with the audit key {event.key_id!r}, which is not in "
            f"{walk.ring.source}: restore that retired key, or the event was forged"
        )
    recomputed = event_mac(secret, key_id=event.key_id, **fields)
    if not hmac.compare_digest(recomputed.encode(), event.hash.encode()):
        return (
            f"{what} was edited, or the key {event.key_id!r} in {walk.ring.source} "
            "is not the one that signed it"
        )
    walk.key_ids[event.key_id] = None
    return None


def _check_anchors(event: AuditEvent, walk: _Walk) -> str | None:
    for anchor in walk.pinned.pop(event.seq, ()):
        if anchor.hash != event.hash:
            return (
                f"event {event.seq} is not the event anchored on {anchor.time} "
                f"(anchor line {anchor.line}): the chain was rewritten and re-signed "
                f"somewhere in events {walk.last_anchor + 1}–{event.seq}"
            )
        walk.anchors += 1
        walk.last_anchor = event.seq
    return None


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
    head = session.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == _HEAD_ID))
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
