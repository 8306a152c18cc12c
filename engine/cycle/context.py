"""What operations share: the project a call is about, and decimals from task data."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import InvalidInput, NotFound
from engine.models import FiscalYear, Project
from engine.workflow.operations import ServiceCall


def project_of(call: ServiceCall) -> Project:
    """The project the instance drives (from `project_id` in its data)."""
    project = call.session.get(Project, call.require("project_id"))
    if project is None:
        raise NotFound(f"no project {call.data['project_id']}")
    return project


def fiscal_year_of(call: ServiceCall, project: Project) -> FiscalYear:
    return call.session.get(FiscalYear, project.fiscal_year_id)


def decimal(value: Any, field: str) -> Decimal:
    """A decimal from a form value (text or number), or InvalidInput naming the field."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"'{field}' must be a number", errors={field: "not a number"})
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(
            f"'{field}' must be a number, not {value!r}", errors={field: "not a number"}
        ) from None
    if not result.is_finite():
        raise InvalidInput(f"'{field}' must be a finite number", errors={field: "not finite"})
    return result
