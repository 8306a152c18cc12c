"""The API object: flask-smorest's, documenting our one error shape instead of its own."""

from __future__ import annotations

from flask_smorest import Api
from marshmallow import Schema, fields


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
