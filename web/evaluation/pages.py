"""An evaluation's page (scored table, total, grade, findings, the combined result's basis)
and the live score preview the scoring forms post to as the user types."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.evaluation.queries import (
    combined_basis,
    frame_of,
    get_evaluation,
    score_lines,
    sheet_of,
)
from web.auth import current_actor
from web.db import get_session
from web.evaluation import evaluation_forms
from web.i18n import catalogue, current_language, translate

bp = Blueprint("evaluations", __name__, template_folder="templates")


@bp.get("/evaluations/<int:evaluation_id>")
def evaluation(evaluation_id: int):
    session = get_session()
    found = get_evaluation(session, current_actor(), evaluation_id)
    return render_template(
        "evaluation.html",
        evaluation=found,
        frame=frame_of(session, found),
        lines=score_lines(session, found),
        basis=combined_basis(session, found.project),
    )


@bp.post("/evaluations/<int:evaluation_id>/score-preview")
def score_preview(evaluation_id: int):
    """Each row's score, the total and the grade for the posted form; saves nothing."""
    session = get_session()
    found = get_evaluation(session, current_actor(), evaluation_id)
    sheet = sheet_of(session, found)
    form = "self_evaluation" if sheet.kind.value == "self" else "frame"
    scored = sheet.score(evaluation_forms.parse_scoring(form, request.form))
    return render_template("forms/_score_preview.html", scored=scored, sheet=sheet)


@bp.app_template_global()
def grade_label(frame, code: str | None) -> str:
    """ "B 良" (or "B good"): the grade with its frame's label in the page's language."""
    if not code:
        return ""
    language = "en" if current_language() == "en" else "zh"
    for band in frame.grade_bands if frame is not None else []:
        if band.get("code") == code:
            return f"{code} {band.get(f'label_{language}', '')}".strip()
    return code


@bp.app_template_global()
def problem_text(sheet, field: str, problem: str) -> str:
    """A scoring problem in words, naming the row the way the form shows it."""
    parts = field.split(".")
    name = field
    if parts[0] == "executed":
        name = translate("evaluation.execution")
    elif parts[0] == "scores" and len(parts) > 1:
        name = next((i.name for i in sheet.indicators if str(i.id) == parts[1]), field)
    elif parts[0] == "items" and len(parts) > 1:
        item = next((i for i in sheet.items if i.code == parts[1]), None)
        if item is not None:
            name = item.name_en if current_language() == "en" else item.name_zh
    if parts[-1] == "reason":
        return translate("evaluation.problem.reason", name=name)
    key = "evaluation.problem." + problem.replace(" ", "_")
    return translate(key if key in catalogue() else "evaluation.problem.other", name=name)
