"""Department overall performance (部门整体绩效): each department's overall target table for the
year, reviewed like a project's; its mid-year monitoring, with the execution rate rolled up from
its projects and the basic expenditure it reports; its self-evaluation (部门整体支出绩效自评) and
finance's evaluation after year end. The grade is a fact of the result rules (engine.results) and
the department's rank uses the overall evaluation (engine.evaluation.department_ranks).

- `forms` — the three task forms (the table, the monitoring report, an evaluation);
- `documents` — opening a department's documents, the table recorded and published;
- `rollup` — the department's budget and execution from its projects and basic expenditure;
- `monitoring` and `evaluation` — the mid-year report and the two evaluations scored;
- `start` — a department's process for a year (bpmn/definitions/department_performance.bpmn);
- `queries` — what the API and the pages show.
"""

from __future__ import annotations

from engine.department import documents, evaluation, forms, monitoring
from engine.forms.registry import register_forms
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the department's task forms and the service operations its process calls."""
    register_forms(forms.FORMS)
    documents.register(operations)
    monitoring.register(operations)
    evaluation.register(operations)
