"""What each user task's form must contain, checked before the engine runs anything.

Marshmallow schemas are registered by form name (the `form` property of a BPMN user task);
the API and the pages both complete tasks through `engine.tasks.complete`. An area with a
`register` function of its own (engine/monitoring) adds its forms with `register_form` when the
composition root (engine/composition.py) runs; the modules imported here still register theirs
on import until their areas move.
"""

from engine.forms import (  # noqa: F401  (each module registers its forms on import)
    evaluation,
    rectification,
    results,
    review,
)
from engine.forms.registry import FORMS, register_form, validate_form

__all__ = ["FORMS", "register_form", "validate_form"]
