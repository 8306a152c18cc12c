"""The API object: flask-smorest's, documenting our one error shape instead of its own."""

from __future__ import annotations

from flask_smorest import Api
from marshmallow import Schema, fields

from engine.identity.permissions import Permission, holders


class ErrorSchema(Schema):
    """Every error the API answers with (web/errors.py builds it)."""

    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    errors = fields.Dict(
        required=True, metadata={"description": "field → problem, for invalid input"}
    )


class BudgetloopApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, *, spec_kwargs=None) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        # Everything needs a bearer token unless an operation says otherwise (security: []).
        spec_kwargs.setdefault("security", [{"bearer": []}])
        super().__init__(app, spec_kwargs=spec_kwargs)

    def _init_spec(self, *args, **kwargs) -> None:
        super()._init_spec(*args, **kwargs)
        # Flask's JSON turns Decimal into a string: document every Decimal as one.
        self.register_field(fields.Decimal, "string", "decimal")


def forbidden(permission: Permission) -> str:
    """The OpenAPI description of a 403 for `permission`, read from the permission table, so
    the document names the roles the running API lets through."""
    roles = " or ".join(sorted(role.value for role in holders(permission)))
    return f"your role is not {roles} ({permission.value.replace('_', ' ')})"
