"""The monitoring area: mid-year reports, deviation alerts in every rule family, their life cycle.

What lives here (models stay in engine/models/monitoring.py for now: Alembic's env imports
`engine.models` for the metadata, so every table is declared there):

- `families` — the alert family registry, `AlertFamily` (one definition per family: its
  per-report rule and its set-based round), and which family a region's setting chooses;
- `pace`, `set_based` — the default pace family (per-report colours; the whole round in SQL);
- `calendar_rule` — the calendar family (milestones by month, completion gap);
- `per_report` — one report's alerts as the monitoring process raises them;
- `unalerted` — what every family works on: a round's reports without its alerts yet;
- `pace_ratio` — the 序时进度比 shown beside an alert;
- `lifecycle`, `tracking` — open → acknowledged → resolved, and who may do it;
- `forms`, `operations` — the task forms and service operations the monitoring process uses;
- `alert_queries`, `report_queries` — the scoped read models of alerts and reports.

Nothing here registers itself on import: the composition root (engine/composition.py) calls
`register` below for every engine it builds, and `register` is idempotent.
"""

from __future__ import annotations

from engine.forms.registry import register_forms
from engine.monitoring import forms
from engine.monitoring import operations as service
from engine.monitoring.calendar_rule import CALENDAR
from engine.monitoring.families import register_family
from engine.monitoring.pace import PACE
from engine.workflow.operations import OperationRegistry

# The alert rule families the area ships, in the order an unknown name lists them.
FAMILIES = (PACE, CALENDAR)


def register(operations: OperationRegistry) -> None:
    """Add the area's service operations to `operations`, its forms and its alert families.

    Adding an alert family is a module declaring an `AlertFamily` plus its entry in `FAMILIES`
    above; a form is a schema plus its entry in `forms.FORMS`; a service operation is a
    function plus its line in `operations.register`.
    """
    service.register(operations)
    register_forms(forms.FORMS)
    for family in FAMILIES:
        register_family(family)
