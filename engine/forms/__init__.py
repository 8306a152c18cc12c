"""What each user task's form must contain, checked before the engine runs anything.

One module per area registers marshmallow schemas by form name (the `form` property of a
BPMN user task); the API and the pages both complete tasks through `engine.tasks.complete`.
"""

from engine.forms import (  # noqa: F401  (each module registers its forms on import)
    evaluation,
    monitoring,
    rectification,
    results,
    review,
)
from engine.forms.registry import FORMS, validate_form

__all__ = ["FORMS", "validate_form"]
