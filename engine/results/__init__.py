"""The results area: result rules applied, funding decisions, allocations, what-if, disclosure.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `default_policy` — domain.md's result-application policy as a plain function;
- `rulesets`, `ruleset_edits` — rule sets as immutable versions per region and year, edited;
- `whatif` — a candidate rule set over a year's outcomes;
- `decisions`, `decision_batch` — the finance desk confirming or overriding decisions;
- `allocation_excel`, `allocation_queries`, `queries` — what the caller may read and download;
- `forms`, `operations` — the task form and service operations of result application.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.forms.registry import register_forms
from engine.results import forms
from engine.results import operations as service
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the area's service operations to `operations`, and its task forms."""
    service.register(operations)
    register_forms(forms.FORMS)
