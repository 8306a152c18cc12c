"""Documents under review and the people's side of the workflow: inbox, completing tasks, drafts.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `documents` — opening a document for review, its status, publishing targets;
- `tasks`, `inbox`, `drafts` — completing a task for a person, the inbox, 暂存;
- `document_views`, `queries`, `task_data` — what a reviewer sees and what changed;
- `forms` — approve or return, revise and resubmit.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.forms.registry import register_forms
from engine.review import documents as service
from engine.review import forms
from engine.workflow.operations import OperationRegistry


def register(operations: OperationRegistry) -> None:
    """Add the area's service operations to `operations`, and its task forms."""
    service.register(operations)
    register_forms(forms.FORMS)
