"""The registry of task forms: form name → schema; unknown forms pass with generic checks."""

from __future__ import annotations

from marshmallow import Schema, ValidationError

from engine.errors import InvalidInput

FORMS: dict[str, type[Schema]] = {}


def form(name: str):
    """Register the decorated schema as the form `name`."""

    def register(schema: type[Schema]) -> type[Schema]:
        if name in FORMS:
            raise RuntimeError(f"form '{name}' is registered twice")
        FORMS[name] = schema
        return schema

    return register


def validate_form(name: str | None, data: object) -> dict:
    """`data` checked and normalised by the form's schema; InvalidInput names every field."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "the form data must be an object of named values", errors={"data": "type"}
        )
    schema = FORMS.get(name or "")
    if schema is None:
        return data
    try:
        return schema().load(data)
    except ValidationError as error:
        fields = ", ".join(sorted(str(key) for key in error.messages))
        raise InvalidInput(
            f"the '{name}' form has problems in: {fields}", errors=error.normalized_messages()
        ) from None
