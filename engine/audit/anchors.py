"""Anchors: the chain's signed head, written outside the database (`audit anchor`) and read back
to verify against (`audit verify --anchor`), so a rewritten or truncated history shows even to
someone who holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.formula import canonical_json
from engine.audit_keys import KEY_ID, KeyRing, load_key_ring
from engine.errors import InvalidInput
from engine.models import AuditEvent
from engine.models.types import utcnow


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
