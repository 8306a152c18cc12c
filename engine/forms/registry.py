"""The registry of task forms: form name → schema; a task without one takes only a comment."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, validate
from marshmallow.fields import String

from engine.errors import InvalidInput

FORMS: dict[str, type[Schema]] = {}

# The key of a form schema's refusal; its field problems name rows by their position.
FORM_HAS_PROBLEMS = "form_has_problems"


def register_form(name: str, schema: type[Schema]) -> None:
    """Register `schema` as the form `name` (the same schema again is harmless)."""
    if FORMS.get(name, schema) is not schema:
        raise RuntimeError(f"form '{name}' is registered twice")
    FORMS[name] = schema


def register_forms(forms: dict[str, type[Schema]]) -> None:
    """Register an area's table of forms (form name → schema)."""
    for name, schema in forms.items():
        register_form(name, schema)


class FormlessTask(Schema):
    """What a user task without a form (the modeller's 通用表单) takes: a comment, nothing else.

    Anything else would go into the process data as it is, so a client could set the variables
    that later gateways and service tasks read (an outcome, an amount, an organisation id).
    Marshmallow refuses unknown fields, naming each one. A task naming a form that is not
    registered (deployment refuses it now; an older definition may) is held to the same.
    """

    comment = String(load_default="", validate=validate.Length(max=2000))


def validate_form(name: str | None, data: object) -> dict:
    """`data` checked and normalised by the form's schema; InvalidInput names every field."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "the form data must be an object of named values",
            errors={"data": "type"},
            key="form_not_an_object",
        )
    schema = FORMS.get(name or "", FormlessTask)
    try:
        return schema().load(data)
    except ValidationError as error:
        fields = ", ".join(sorted(str(key) for key in error.messages))
        raise InvalidInput(
            f"the '{name}' form has problems in: {fields}",
            errors=error.normalized_messages(),
            key=FORM_HAS_PROBLEMS,
            params={"fields": fields},
        ) from None
