"""One file's check under way: what it may use, the problems found so far, and the checks of
expressions and scripts that every element kind makes the same way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from bpmn import expressions, juel
from bpmn.catalogue import Catalogue, ParsedFile, resolve_called
from bpmn.errors import DefinitionError, UnsafeExpression, detail_of


class FileCheck:
    """Collects every problem of one file as DefinitionErrors (file, element, reason)."""

    def __init__(
        self,
        catalogue: Catalogue,
        parsed: ParsedFile,
        roles: Collection[str],
        operations: Collection[str],
        available: Collection[str],
        forms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        # Registered form → the outcomes its `outcome` field allows (None: forms not checked).
        self.forms = forms
        self.parsed = parsed
        self.roles = roles
        self.operations = operations
        self.available = available
        self.errors: list[DefinitionError] = []

    def error(self, element: str | None, reason: str, code: str | None = None, **params) -> None:
        self.errors.append(DefinitionError(self.parsed.source.name, element, reason, code, params))

    def guard(self, element, check: Callable[[], None]) -> None:
        """Run one element's check; a library failure becomes that element's problem."""
        try:
            check()
        except DefinitionError as error:
            self.errors.append(error)
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            self.error(element, f"cannot be checked: {detail}", "library", detail=detail)

    def resolve(self, name: str):
        """The process a call activity naming `name` would start, or None when none is deployed."""
        return resolve_called(name, self.available)

    def expression(self, element: str, what: str, source) -> None:
        if source is None or source == "":
            return
        text = str(source)
        if juel.is_juel(text):
            suggestion = juel.suggest(text)
            self.error(
                element,
                f"{what} {text[:80]!r} is a JUEL expression (${{…}}, as Camunda, Flowable and "
                "Activiti write them), which is not allowed here: write it in the safe "
                f"grammar without ${{ }}, e.g. {suggestion or 'amount > 100 and approved'}",
                "juel",
                what=what,
                source=text[:80],
                suggestion=suggestion or "amount > 100 and approved",
            )
            return
        try:
            expressions.check_expression(text)
        except UnsafeExpression as error:
            self.error(
                element,
                f"{what} {text[:80]!r}: {error.reason}",
                "unsafe_expression",
                what=what,
                source=text[:80],
                detail=error.reason,
                **detail_of(error.reason),
            )

    def script(self, element: str, what: str, source) -> None:
        if not source:
            return
        try:
            expressions.check_script(str(source))
        except UnsafeExpression as error:
            self.error(
                element,
                f"{what}: {error.reason}",
                "unsafe_script",
                what=what,
                detail=error.reason,
                **detail_of(error.reason),
            )
