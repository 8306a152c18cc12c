"""JUEL (`${…}`), the expression language of Camunda, Flowable and Activiti exports.

We do not evaluate it; we recognise it so that a refusal can name it and show the same
condition in the safe grammar (bpmn/expressions/), when a mechanical rewrite gets there.
"""

from __future__ import annotations

import re

from bpmn import expressions
from bpmn.errors import UnsafeExpression

_WRAPPED = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
# Operator words and symbols of JUEL → Python, applied outside string literals.
_REWRITES = (
    (re.compile(r"&&"), " and "),
    (re.compile(r"\|\|"), " or "),
    (re.compile(r"!(?!=)"), " not "),
    (re.compile(r"\bempty\s+"), "not "),
    (re.compile(r"\beq\b"), "=="),
    (re.compile(r"\bne\b"), "!="),
    (re.compile(r"\blt\b"), "<"),
    (re.compile(r"\bgt\b"), ">"),
    (re.compile(r"\ble\b"), "<="),
    (re.compile(r"\bge\b"), ">="),
    (re.compile(r"\btrue\b"), "True"),
    (re.compile(r"\bfalse\b"), "False"),
    (re.compile(r"\bnull\b"), "None"),
)
_STRING = re.compile(r"('[^']*'|\"[^\"]*\")")


def is_juel(text: str) -> bool:
    """Whether the text is a `${…}` (or `#{…}`) expression."""
    return bool(_WRAPPED.match(text or ""))


def suggest(text: str) -> str | None:
    """The condition in the safe grammar, if a plain rewrite of its operators gets there."""
    match = _WRAPPED.match(text or "")
    if not match:
        return None
    parts = _STRING.split(match.group("body"))
    for index in range(0, len(parts), 2):  # even parts lie outside string literals
        for pattern, replacement in _REWRITES:
            parts[index] = pattern.sub(replacement, parts[index])
    candidate = " ".join("".join(parts).split())
    try:
        expressions.check_expression(candidate)
    except UnsafeExpression:
        return None
    return candidate
