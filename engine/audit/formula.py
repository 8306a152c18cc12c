"""The one formula an event's hash is computed with, shared by appending, verifying and signing.

Appending and verifying must hash exactly the same bytes, so the JSON spelling, the field order
and both formulas (the unkeyed SHA-256 of before revision 0009, and the keyed HMAC) live here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


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
