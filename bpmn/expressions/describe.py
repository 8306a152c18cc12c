"""How values and pieces of source appear in error messages.

A failing expression is reported to a finance officer, who should read 'text' and 'number'
rather than Python type names, and a quoted fragment short enough for one line.
"""

from __future__ import annotations

from typing import Any

from bpmn.expressions.bounds import is_number


def kind(value: Any) -> str:
    """Name the kind of `value` the way a finance officer would."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true/false"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def short(text: str, limit: int = 60) -> str:
    """Squeeze `text` onto one line of at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value: Any) -> str:
    """Show a value inside an error message, briefly."""
    try:
        return short(repr(value))
    except Exception:
        # A value from task data may have a broken repr; the message must still be built.
        return f"a {kind(value)}"
