"""The process layer's exceptions: one root, each leaf says where and why."""

from __future__ import annotations


class BpmnError(Exception):
    """Root of every error the process layer raises on purpose."""


class Reason(str):
    """An English reason that also carries a `code` and `params`, so that the pages can say it
    in the user's language (message `deploy.detail.<code>`). It is a str, so text built from it
    and messages that quote it read as before."""

    code: str | None
    params: dict[str, object]

    def __new__(cls, text: str, code: str | None = None, /, **params: object) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        reason.params = params
        return reason


def detail_of(reason: object) -> dict[str, object]:
    """The code and params of a Reason as DefinitionError params (empty for plain text)."""
    code = getattr(reason, "code", None)
    if not code:
        return {}
    return {"detail_code": code, "detail_params": dict(getattr(reason, "params", {}))}


class UnsafeExpression(BpmnError):
    """An expression or script uses something outside the safe grammar.

    `reason` is English; when it is a :class:`Reason`, `code` and `params` say it for the pages.
    """

    def __init__(self, reason: str, source: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.code = getattr(reason, "code", None)
        self.params = dict(getattr(reason, "params", {}))


class ExpressionFailed(BpmnError):
    """A safe expression could not be evaluated (unknown name, wrong type, division by zero…)."""


class DefinitionError(BpmnError):
    """A process or decision definition is invalid; names the file, the element and the reason.

    `reason` is English (the CLI and logs show it); `code` and `params`, when given, let the
    pages say the same in the user's language (message `deploy.problem.<code>`).
    """

    def __init__(
        self,
        file: str,
        element: str | None,
        reason: str,
        code: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        where = f"{file}: element '{element}'" if element else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.element = element
        self.reason = reason
        self.code = code
        self.params = dict(params or {})
