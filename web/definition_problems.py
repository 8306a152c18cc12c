"""Deployment problems said in the user's language.

The process layer names each problem's file and element and gives an English reason (what the
CLI prints) with a `code` and `params`; here the code picks the message `deploy.problem.<code>`
in the request's language. A problem without a code, or whose message cannot be filled in,
keeps its English reason rather than show nothing.
"""

from __future__ import annotations

from bpmn.errors import DefinitionError
from web.i18n import catalogue, translate

# Params that hold a form's outcome: shown with its label (退回修改) as well as its value.
_OUTCOME_PARAMS = ("outcome", "first")


def say(problem: DefinitionError) -> str:
    """The problem's reason in the user's language."""
    code = getattr(problem, "code", None)
    key = f"deploy.problem.{code}"
    if not code or key not in catalogue():
        return problem.reason
    params = {name: str(value) for name, value in (problem.params or {}).items()}
    for name in _OUTCOME_PARAMS:
        label = f"deploy.outcome.{params.get(name)}"
        if name in params and label in catalogue():
            params[name] = f"{translate(label)} ({params[name]})"
    try:
        return translate(key, element=problem.element or "", **params)
    except (KeyError, IndexError, ValueError):
        return problem.reason


def described(problem: DefinitionError) -> dict:
    """A problem as the API shows it: where, the English reason, and the user's message."""
    return {
        "file": problem.file,
        "element": problem.element,
        "reason": problem.reason,
        "code": getattr(problem, "code", None),
        "message": say(problem),
    }
