"""The target-table task's form: the table is edited in the editor; the task confirms it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TargetTableForm(Schema):
    # The table itself is edited through the target-table editor (engine/targets/editing.py);
    # completing the task only confirms it, so nothing in the table can come in as task data.
    confirmed = fields.Boolean(required=True, validate=validate.Equal(True))


# The form this area's filing task names; the area's `register` adds it to the form registry.
FORMS = {"target_table": TargetTableForm}
