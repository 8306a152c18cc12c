"""Stable draws for the simulated people: the same code always draws the same number, so one
choice never shifts the random draws of the others (a seed gives the same province)."""

from __future__ import annotations

import hashlib


def fraction(code: str, purpose: str) -> float:
    """A stable draw in [0, 1) per code (a project's, a department's) and purpose."""
    digest = hashlib.blake2b(f"{purpose}:{code}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64
