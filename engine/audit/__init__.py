"""Append-only, keyed hash chain of audit events: append, verify, anchor the head outside.

Every event carries an HMAC-SHA256 over its fields and the previous event's hash, keyed with a
secret kept outside the database (`engine.audit_keys`) and recorded by key id, so whoever can
write the database but does not hold the key cannot edit an event and recompute the chain.
Events written before the chain was keyed are signed at the upgrade (revision 0009, after
their plain SHA-256 chain is checked), so every event carries a key id and an unsigned event
is a forgery: there is no "legacy" state for a database writer to relabel a rewrite as.
An anchor is the signed head (seq, hash, time, key id) written outside the database; verifying
against anchors detects a rewritten history or a truncated chain even by someone with the key.

Callers use the package as one namespace (`from engine import audit; audit.append(...)`), so it
exports the names they use; the parts are:

- `formula`: the canonical JSON and the hash/MAC formulas every other part computes with;
- `chain`: appending an event under the lock of the chain's tip row;
- `anchors`: making, printing and reading back signed anchors;
- `verification`: `audit verify`, walking the chain against the key ring and the anchors;
- `unkeyed`: signing the pre-0009 events once, at that upgrade.
"""

from engine.audit.anchors import MAX_ANCHOR_LINE, Anchor, make_anchor, read_anchors
from engine.audit.chain import append
from engine.audit.formula import GENESIS, canonical_json, event_hash, event_mac
from engine.audit.unkeyed import sign_unkeyed
from engine.audit.verification import verify

# The clock and the key ring the chain stamps and signs with: tests forge events through these
# (`audit.utcnow()`, `audit.load_key_ring()`), as they could when this package was one module.
from engine.audit_keys import load_key_ring
from engine.models.types import utcnow

__all__ = [
    "GENESIS",
    "MAX_ANCHOR_LINE",
    "Anchor",
    "append",
    "canonical_json",
    "event_hash",
    "event_mac",
    "load_key_ring",
    "make_anchor",
    "read_anchors",
    "sign_unkeyed",
    "utcnow",
    "verify",
]
