"""Paths into a JSON document (`rules[3].when.all[1].grade`) and short value descriptions."""

from __future__ import annotations

from typing import Any

_KINDS = {bool: "boolean", str: "string", list: "array", dict: "object", type(None): "null"}


def at(path: str, key: str | int) -> str:
    """Return the path of a child: an array index or an object key."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def show(value: Any) -> str:
    """Describe a decoded JSON value for an error message: its JSON type, and itself if short."""
    kind = _KINDS.get(type(value), "number")
    return kind if isinstance(value, list | dict) or value is None else f"{kind} {value!r}"
