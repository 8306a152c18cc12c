"""The rectification area: orders issued from evaluation problems, feedback, review, escalation.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `operations` — issue an order with deadlines, record the unit's feedback, a return, an
  overdue escalation and the closure (销号);
- `forms` — the unit's feedback, the finance desk's review, the overdue escalation;
- `queries`, `oversight` — orders as the caller may see them; orders past their closure date.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.forms.registry import register_forms
from engine.rectification import forms
from engine.rectification import operations as service
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the area's service operations to `operations`, and its task forms."""
    service.register(operations)
    register_forms(forms.FORMS)
