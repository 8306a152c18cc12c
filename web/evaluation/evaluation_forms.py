"""The scoring forms on the task page: a self-evaluation (budget execution and each indicator's
actual value or band) and the frame-item scoring of key, department and third-party
evaluations. Each row's score, the total and the grade are computed live as the user types
(`evaluations.score_preview`), by the same function as the API's preview."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from engine.evaluation.queries import evaluation_for_task, sheet_of
from web.percent_input import refuse_shares_out_of_range, share
from web.review.task_extras import evidence_context
from web.review.task_forms import PageForm

SCORE_FIELD = re.compile(r"scores-(\d{1,12})-(actual|band|band_pct|reason)")
ITEM_FIELD = re.compile(r"items-([A-Za-z0-9_.-]{1,40})")


def parse_self_evaluation(posted: MultiDict) -> dict:
    data: dict = {"scores": []}
    executed = posted.get("executed", "").strip()
    if executed:
        data["executed"] = executed
    rows: dict[int, dict] = {}
    for name, value in posted.items():
        match = SCORE_FIELD.fullmatch(name)
        if match is None:
            continue
        row = rows.setdefault(int(match[1]), {"indicator_id": int(match[1])})
        value = value.strip()
        if value:
            row[match[2]] = share(value) if match[2] == "band_pct" else value
    data["scores"] = [rows[key] for key in sorted(rows)]
    refuse_shares_out_of_range(data["scores"])
    return data


def posted_items(posted: MultiDict) -> dict[str, str]:
    """The points typed per frame item (`items-<code>` fields)."""
    items = {}
    for name, value in posted.items():
        match = ITEM_FIELD.fullmatch(name)
        if match is not None:
            # Kept even when blank: a forgotten item is refused, not scored zero.
            items[match[1]] = value.strip()
    return items


def parse_frame_items(posted: MultiDict) -> dict:
    items = posted_items(posted)
    findings = [line.strip() for line in posted.get("findings", "").splitlines() if line.strip()]
    return {"items": items, "findings": findings}


def parse_scoring(form: str, posted: MultiDict) -> dict:
    return parse_self_evaluation(posted) if form == "self_evaluation" else parse_frame_items(posted)


def scoring_context(session, task, project) -> dict:
    evaluation = evaluation_for_task(session, task.form, project)
    if evaluation is None:
        return {"evaluation": None}
    sheet = sheet_of(session, evaluation)
    return {"evaluation": evaluation, "sheet": sheet, "bands": sheet.settings["qualitative_bands"]}


def self_evaluation_context(session, task, project) -> dict:
    """The scoring sheet, with the unit's draft (暂存) and its evidence files (佐证材料)."""
    return {**scoring_context(session, task, project), **evidence_context(session, task, project)}


FRAME_EVALUATION = PageForm("forms/frame_evaluation.html", parse_frame_items, scoring_context)
PAGE_FORMS = {
    "self_evaluation": PageForm(
        "forms/self_evaluation.html", parse_self_evaluation, self_evaluation_context
    ),
    "key_evaluation": FRAME_EVALUATION,
    "department_evaluation": FRAME_EVALUATION,
    "third_party_evaluation": FRAME_EVALUATION,
}
