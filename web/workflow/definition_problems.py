"""Deployment problems said in the user's language.

The process layer names each problem's file and element and gives an English reason (what the
CLI prints) with a `code` and `params`; here the code picks the message `deploy.problem.<code>`
in the request's language. A problem without a code, or whose message cannot be filled in,
keeps its English reason rather than show nothing.

The details a message quotes are coded too: why an expression is outside the safe grammar
(`detail_code`, message `deploy.detail.<code>`), why a cell is not FEEL (`feel_code`,
`deploy.feel.<code>`) and why a UNIQUE table's cells cannot be shown to exclude each other
(`unknowns`, `deploy.overlap.<code>`); one without a message keeps its English text.
"""

from __future__ import annotations

from bpmn.errors import DefinitionError
from web.i18n import catalogue, translate

# Params that hold a form's outcome: shown with its label (退回修改) as well as its value.
_OUTCOME_PARAMS = ("outcome", "first")
# Coded details: (code param, params of the code, the param the text replaces, message prefix).
_CODED_DETAILS = (
    ("detail_code", "detail_params", "detail", "deploy.detail"),
    ("feel_code", "feel_params", "feel", "deploy.feel"),
)
_STRUCTURED = {"detail_code", "detail_params", "feel_code", "feel_params", "unknowns"}


def _coded(prefix: str, code: object, params: object, fallback: object) -> str:
    key = f"{prefix}.{code}"
    if not code or key not in catalogue():
        return str(fallback)
    values = {name: str(value) for name, value in dict(params or {}).items()}
    try:
        return translate(key, **values)
    except (KeyError, IndexError, ValueError):
        return str(fallback)


def _details(raw: dict) -> dict[str, str]:
    """The coded details of a problem's params, each in the user's language."""
    said = {}
    for code, params, name, prefix in _CODED_DETAILS:
        if raw.get(code):
            said[name] = _coded(prefix, raw[code], raw.get(params), raw.get(name, ""))
    unknowns = raw.get("unknowns")
    if unknowns:
        said["detail"] = translate("deploy.overlap.separator").join(
            translate(
                "deploy.overlap.cell",
                column=str(item.get("column", "")),
                cell=str(item.get("cell", "")),
                why=_coded("deploy.overlap", item.get("code"), {}, item.get("reason", "")),
            )
            for item in unknowns
        )
    return said


def say(problem: DefinitionError) -> str:
    """The problem's reason in the user's language."""
    code = getattr(problem, "code", None)
    key = f"deploy.problem.{code}"
    if not code or key not in catalogue():
        return problem.reason
    raw = problem.params or {}
    params = {name: str(value) for name, value in raw.items() if name not in _STRUCTURED}
    params.update(_details(raw))
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
