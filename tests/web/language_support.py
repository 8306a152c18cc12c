"""What the language tests share: how Chinese text is recognised, and a task made ready again."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from engine.models import HumanTask

CJK = re.compile(r"[\u4e00-\u9fff]")


def _reopen(world_app, form: str, role: str, org_id: int) -> int:
    """A completed task of `form` for `role` made ready again for `org_id` (the lived-in year
    is done); a form with problems is refused before the process is touched."""
    with world_app.extensions["budgetloop.engine"].begin() as db:
        task_id = db.scalar(
            select(HumanTask.id)
            .where(HumanTask.form == form, HumanTask.role == role)
            .order_by(HumanTask.id.desc())
        )
        assert task_id is not None, f"the lived-in year has a {form} task"
        db.execute(
            update(HumanTask).where(HumanTask.id == task_id).values(status="ready", org_id=org_id)
        )
    return task_id
