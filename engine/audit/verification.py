"""Verifying the chain (`audit verify`): walk it in order and report the first edited, missing,
reordered or unsigned event, a tip that records more events than remain, and any anchor that
the chain no longer matches.

Named `verification`, not `verify`: the package exports the function `verify`, which would
shadow a submodule of the same name as an attribute of `engine.audit`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.anchors import Anchor
from engine.audit.chain import HEAD_ID
from engine.audit.formula import GENESIS, event_mac
from engine.audit_keys import KeyRing, load_key_ring
from engine.models import AuditEvent, AuditHead


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
    head = session.get(AuditHead, HEAD_ID)
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
