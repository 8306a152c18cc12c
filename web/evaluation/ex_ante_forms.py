"""The ex-ante assessment's task forms (事前绩效评估): the unit's proposal, and the assessor's
scoring — shown beside the proposal it assesses and the project's request, so that an assessor
never concludes on a document they cannot see."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.evaluation.ex_ante import STATEMENTS
from engine.models import ExAnteAssessment, IndicatorFrame
from web.evaluation.evaluation_forms import posted_items
from web.review.task_forms import PageForm


def parse_proposal(posted: MultiDict) -> dict:
    return {name: posted.get(name, "").strip() for name in STATEMENTS}


def parse_assessment(posted: MultiDict) -> dict:
    # A blank item is one not scored yet (the engine says so by the item's name).
    items = {code: value or None for code, value in posted_items(posted).items()}
    amount = posted.get("recommended_amount", "").strip().replace(",", "")
    return {
        "items": items,
        "opinion": posted.get("opinion", "").strip(),
        "recommended_amount": amount or None,
    }


def assessment_context(session, task, project) -> dict:
    assessment = (
        session.scalars(
            select(ExAnteAssessment).where(ExAnteAssessment.project_id == project.id)
        ).first()
        if project is not None
        else None
    )
    if assessment is None:
        return {"assessment": None}
    frame = session.get(IndicatorFrame, assessment.frame_id)
    return {
        "assessment": assessment,
        "project": project,
        "items": [n for n in frame.nodes if n.level == 1],
        "bands": frame.grade_bands,
        "statements": STATEMENTS,
    }


PAGE_FORMS = {
    "ex_ante_proposal": PageForm("forms/ex_ante_proposal.html", parse_proposal, assessment_context),
    "ex_ante_assessment": PageForm(
        "forms/ex_ante_assessment.html", parse_assessment, assessment_context
    ),
}
