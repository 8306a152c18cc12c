"""The evaluation area: self-, department, third-party and key evaluations, scores, grades, ranks.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `scoring` — indicator scores, totals and grades (domain.md "Scoring"), in exact decimals;
- `scores` — an evaluation form's rows scored, totalled and graded;
- `surveys` — the public's satisfaction survey as an evaluator;
- `ex_ante` — the ex-ante assessment of a new project (事前绩效评估): forms, scoring, conclusion;
- `department_ranks` — departments ranked by their projects' scores;
- `forms`, `operations` — the task forms and service operations the evaluation process uses;
- `queries` — evaluations as the caller may see them.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.evaluation import ex_ante, forms
from engine.evaluation import operations as service
from engine.forms.registry import register_forms
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the area's service operations to `operations`, and its task forms."""
    service.register(operations)
    ex_ante.register(operations)
    register_forms(forms.FORMS)
    register_forms(ex_ante.FORMS)
