"""What each user task's form must contain, checked before the engine runs anything.

Marshmallow schemas are registered by form name (the `form` property of a BPMN user task);
the API and the pages both complete tasks through `engine.review.tasks.complete`. Each area
declares its forms in a `FORMS` table of its own and adds them with `register_form` when the
composition root (engine/composition.py) calls the area's `register`; nothing registers on
import.
"""

from engine.forms.registry import FORMS, register_form, validate_form

__all__ = ["FORMS", "register_form", "validate_form"]
