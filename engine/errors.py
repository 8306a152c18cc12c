"""The engine's exception hierarchy: one root, small leaves, mapped to HTTP in one place (web)."""

from __future__ import annotations


class BudgetloopError(Exception):
    """Root of every error the engine raises on purpose.

    `message` is English (the CLI and logs show it). `key` and `params`, when given, let the
    web say the same in the user's language (message `problem.<key>` in web/messages).
    """

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        errors: dict | None = None,
        key: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.key = key
        self.params = dict(params or {})


class InvalidInput(BudgetloopError):
    """Input that fails validation; `errors` maps field names to messages."""

    code = "invalid_input"


class NotFound(BudgetloopError):
    """The object asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class Forbidden(BudgetloopError):
    """The caller may not do this."""

    code = "forbidden"


class Unauthenticated(BudgetloopError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class RateLimited(BudgetloopError):
    """Too many attempts in a short time (e.g. failed logins); try again later."""

    code = "rate_limited"


class TooLarge(BudgetloopError):
    """Input over a size limit (an uploaded file, a draft); `errors` names the field."""

    code = "too_large"


class UnsupportedMediaType(BudgetloopError):
    """A file of a type that is not accepted (checked by its content, not its name)."""

    code = "unsupported_media_type"


class Conflict(BudgetloopError):
    """A stale version, a duplicate, or a state that no longer allows the action."""

    code = "conflict"


class ConfigurationError(BudgetloopError):
    """The installation is misconfigured (database URL, secret key, instance folder)."""

    code = "configuration"


class DatabaseUnavailable(ConfigurationError):
    """The configured database cannot be reached."""

    code = "database_unavailable"


class AuditChainBroken(BudgetloopError):
    """The audit log's hash chain does not verify: an event was edited, removed or reordered."""

    code = "audit_chain_broken"


class DefinitionRejected(InvalidInput):
    """A deployment was refused; `problems` lists every file, element and reason."""

    code = "definition_rejected"

    def __init__(self, problems: list) -> None:
        lines = [str(problem) for problem in problems]
        summary = f"deployment rejected ({len(lines)} problem{'s' if len(lines) != 1 else ''}): "
        super().__init__(summary + "; ".join(lines[:5]) + ("; …" if len(lines) > 5 else ""))
        self.problems = problems
        self.errors = {
            "problems": [
                {"file": p.file, "element": p.element, "reason": p.reason} for p in problems
            ]
        }


class Corrupted(BudgetloopError):
    """Stored data failed an integrity check (e.g. a process spec edited in the database)."""

    code = "corrupted"
