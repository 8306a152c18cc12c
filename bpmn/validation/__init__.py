"""Check parsed definitions before they are stored: roles, operations, expressions, timers, DMN.

`check_file` is the entry; each kind of element is checked in a module of its own:

- files: the file's name and ids, each process, and the walk over its tasks and decisions;
- tasks: human, service and script tasks, and the expressions any task carries;
- outcome_routes: a human task's form, and the gateway paths its outcomes take;
- calls: call activities (the called process is deployed; calls never loop);
- events: timers, conditions and payload expressions of events;
- decision_tables: hit policies, input expressions, cells and UNIQUE overlaps;
- file_check: one file's check under way, and the expression checks all of them share.

The modules import downwards only (files → tasks → the element kinds → file_check).
"""

from __future__ import annotations

from bpmn.validation.decision_tables import SUPPORTED_HIT_POLICIES
from bpmn.validation.files import MAX_ID_LENGTH, MAX_NAME_LENGTH, check_file
from bpmn.validation.tasks import role_of

__all__ = ["MAX_ID_LENGTH", "MAX_NAME_LENGTH", "SUPPORTED_HIT_POLICIES", "check_file", "role_of"]
