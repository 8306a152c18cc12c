"""A row with extra attributes for a detail response (its scores, its history, …)."""

from __future__ import annotations


class Extended:
    """Reads as `base` plus the `extra` attributes, for a schema that dumps both."""

    def __init__(self, base, **extra) -> None:
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name: str):
        return getattr(self._base, name)
