"""The filing task's form on the task page: the unit confirms the target table it filled in the
editor (web/targets/pages.py) and submits it for review; the table is never task data."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from web.review.task_forms import PageForm, no_context


def parse_target_table(posted: MultiDict) -> dict:
    return {"confirmed": posted.get("confirmed") == "on"}


PAGE_FORMS = {
    "target_table": PageForm("forms/target_table.html", parse_target_table, no_context),
}
