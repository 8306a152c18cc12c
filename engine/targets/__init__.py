"""The targets area: target tables against their indicator frame, the indicator library, Excel.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `validation`, `shared_weights` — a table checked against its frame;
- `editing` — a unit editing its table while it files or revises, all or nothing;
- `excel`, `excel_rows`, `cell_values`, `sheet_layout`, `declaration` — the 申报表 both ways;
- `forms` — the filing task's form;
- `queries` — target tables, the library and a project's history as the caller may see them.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.forms.registry import register_forms
from engine.targets import forms
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the area's task form (its service work runs in the review area's documents)."""
    register_forms(forms.FORMS)
