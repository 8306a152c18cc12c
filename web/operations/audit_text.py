"""The audit log read aloud: each event's action, object and payload in the page's language.

The log stores identifiers (`task.complete`, `outcome: return`) and JSON; people read 完成任务 and
退回修改, and Chinese text as text, never as `\\u…` escapes.
"""

from __future__ import annotations

import json

from web.i18n import catalogue, translate

# A payload is shown to this depth and length; the rest stays in the API's JSON.
MAX_DEPTH = 3
MAX_VALUE = 300


def action_label(action: str) -> str:
    """完成任务 for `task.complete`; an action with no label yet is shown as it is."""
    return _label("ops.action_label", action)


def object_label(object_type: str) -> str:
    return _label("ops.object_label", object_type)


def payload_lines(payload) -> list[tuple[str, str]]:
    """(field, value) lines of a payload: nested objects flattened, fields and known values
    (outcomes, yes/no) in the page's language, the rest as readable JSON."""
    lines: list[tuple[str, str]] = []
    _flatten(payload if isinstance(payload, dict) else {"": payload}, [], lines, 0)
    return lines


def readable_json(value) -> str:
    """JSON with its characters as they are (no `\\u…` escapes), cut at a readable length."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _flatten(payload: dict, path: list[str], lines: list[tuple[str, str]], depth: int) -> None:
    for key, value in payload.items():
        name = [*path, _label("ops.field", str(key))] if key != "" else path
        if isinstance(value, dict) and value and depth < MAX_DEPTH:
            _flatten(value, name, lines, depth + 1)
        else:
            lines.append((" · ".join(name), _value(str(key), value)))


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return translate("rules.yes" if value else "rules.no")
    if isinstance(value, str):
        outcome = f"deploy.outcome.{value}"
        if key in ("outcome", "decision") and outcome in catalogue():
            return translate("ops.labelled_code", label=translate(outcome), code=value)
        return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
    if value is None or isinstance(value, int | float):
        return "—" if value is None else str(value)
    return readable_json(value)


def _label(prefix: str, name: str) -> str:
    key = f"{prefix}.{name}"
    return translate(key) if key in catalogue() else name
