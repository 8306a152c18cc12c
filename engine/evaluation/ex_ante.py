"""Ex-ante assessment (事前绩效评估): the unit's proposal form, the assessor's form, and the
assessment scored on the ex-ante frame (engine/data/frames.json), whose bands are the
conclusions: 建议予以支持 (support), 调整后支持 (adjust), 不予支持 (reject).

The process that asks for them is bpmn/definitions/ex_ante.bpmn, called from budget_cycle
before target filing for the projects `engine.cycle.start.ex_ante_route` picks.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

from engine.cycle.context import project_of
from engine.errors import InvalidInput
from engine.evaluation.forms import Number
from engine.evaluation.scores import ItemLine, Scored, score_items
from engine.forms.problems import problem
from engine.frame_map import frame_named
from engine.models import ExAnteAssessment, IndicatorFrame, Project
from engine.models.enums import DocumentStatus, ProjectStatus
from engine.review.documents import document_row
from engine.workflow.operations import OperationRegistry, ServiceCall

FRAME = "ex_ante"
CONCLUSIONS = ("support", "adjust", "reject")
STATEMENT = validate.Length(min=1, max=4000)

CENT = Decimal("0.01")


class ExAnteProposalForm(Schema):
    """What the unit states for its new project (事前绩效评估申报)."""

    necessity = fields.String(required=True, validate=STATEMENT)  # 立项必要性
    feasibility = fields.String(required=True, validate=STATEMENT)  # 实施可行性
    economy = fields.String(required=True, validate=STATEMENT)  # 投入经济性
    targets = fields.String(required=True, validate=STATEMENT)  # 绩效目标合理性


class ExAnteAssessmentForm(Schema):
    """The assessor's points per item of the frame, opinion, and (to adjust) the amount."""

    items = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        # None is an item left blank: `assess` names it as not scored, never as "not a number".
        values=Number(allow_none=True),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    opinion = fields.String(required=True, validate=STATEMENT)
    recommended_amount = Number(allow_none=True, load_default=None)

    @validates_schema
    def amount_is_not_negative(self, data, **_):
        amount = data.get("recommended_amount")
        if amount is not None and Decimal(amount) < 0:
            raise ValidationError(problem("negative"), "recommended_amount")


def ex_ante_frame(session: Session) -> IndicatorFrame:
    return frame_named(session, FRAME, None, None)


def assess(frame: IndicatorFrame, given: dict | None) -> Scored:
    """Each item up to its weight; the total's band (the frame's) is the conclusion."""
    items = [
        ItemLine(node.code, node.name_zh, node.name_en, node.weight)
        for node in frame.nodes
        if node.level == 1
    ]
    return score_items(items, given, frame.grade_bands)


FORMS = {"ex_ante_proposal": ExAnteProposalForm, "ex_ante_assessment": ExAnteAssessmentForm}


STATEMENTS = ("necessity", "feasibility", "economy", "targets")


def record_proposal(call: ServiceCall) -> dict:
    """The unit's proposal (the form just completed) kept on the assessment, submitted."""
    assessment: ExAnteAssessment = document_row(call)
    assessment.proposal = {name: str(call.data.get(name, "")) for name in STATEMENTS}
    assessment.status = DocumentStatus.SUBMITTED
    assessment.submitted_at = call.now
    call.session.flush()
    return {"ex_ante_id": assessment.id}


def conclude(call: ServiceCall) -> dict:
    """Score the assessment from the assessor's form; its band is the conclusion.

    建议予以支持: the project files its targets at the amount requested; 调整后支持: at the
    amount the assessor recommends (if given: more than 0 and not above the request), which
    becomes its request — next year's allocation is requested × factor and must not grow back
    to what the assessment cut (the assessment keeps the request it assessed);
    不予支持: the project does not enter the year (cancelled), and the cycle ends.
    """
    assessment: ExAnteAssessment = document_row(call)
    project = project_of(call)
    frame = call.session.get(IndicatorFrame, assessment.frame_id)
    scored = assess(frame, call.data.get("items"))
    if scored.errors:
        raise _not_scored(scored)
    amount = call.data.get("recommended_amount")
    recommended = None
    if amount not in (None, ""):
        recommended = Decimal(str(amount)).quantize(CENT)
        if scored.grade != "adjust":
            # An amount typed beside a score that concludes otherwise would be dropped
            # unseen: the assessor meant to cut the project, or scored it by mistake.
            band = next(b for b in frame.grade_bands if b["code"] == scored.grade)
            raise InvalidInput(
                f"a recommended amount is only for 'support after adjustment'; "
                f"{scored.total} points conclude {band['label_zh']}",
                errors={"recommended_amount": "not adjusted"},
                key="ex_ante_amount_not_adjusted",
                params={"total": f"{scored.total:f}", "conclusion": band["label_zh"]},
            )
        if not 0 < recommended <= project.requested_amount:
            raise InvalidInput(
                f"the recommended amount {recommended:,f} is not above 0 and at most the "
                f"{project.requested_amount:,.2f} requested",
                errors={"recommended_amount": "out of range"},
                key="ex_ante_amount_out_of_range",
                params={
                    "amount": f"{recommended:,f}",
                    "requested": f"{project.requested_amount:,.2f}",
                },
            )
    assessment.requested_amount = project.requested_amount
    if recommended is not None:
        revise_request(project, recommended)
        project.approved_amount = recommended
    if scored.grade == "reject":
        project.status = ProjectStatus.CANCELLED
    assessment.scores = {row.key: str(row.score) for row in scored.rows}
    assessment.total_score = scored.total
    assessment.conclusion = scored.grade
    assessment.opinion = str(call.data.get("opinion") or "")
    assessment.recommended_amount = recommended
    assessment.status = DocumentStatus.FINAL
    assessment.assessed_at = call.now
    call.session.flush()
    return {
        "conclusion": scored.grade,
        "total": str(scored.total),
        "recommended_amount": None if recommended is None else str(recommended),
    }


def _not_scored(scored: Scored) -> InvalidInput:
    """The first problem with its item named, in words a finance officer can act on (every
    problem stays in `errors`, by field)."""
    field, why = next(iter(scored.errors.items()))
    row = next((r for r in scored.rows if f"items.{r.key}" == field), None)
    if row is None:
        return InvalidInput(
            f"the ex-ante assessment was not scored: {field} {why}", errors=scored.errors
        )
    # Named as the frame names it, as the other evaluations' refusals do (operations.py).
    name = row.name
    if why == "out of range":
        points = f"{row.weight.normalize():f}"  # 25, not 25.00 or 2.5E+1
        return InvalidInput(
            f"'{name}' must score between 0 and {points} points",
            errors=scored.errors,
            key="ex_ante_item_out_of_range",
            params={"name": name, "max": points},
        )
    return InvalidInput(
        f"'{name}' has no score ({why})",
        errors=scored.errors,
        key="ex_ante_item_not_scored",
        params={"name": name},
    )


def register(registry: OperationRegistry) -> None:
    registry.register("record_ex_ante_proposal", record_proposal)
    registry.register("conclude_ex_ante", conclude)


def revise_request(project: Project, amount: Decimal) -> None:
    """The project's request revised to `amount`, its fund lines scaled with it (the cents
    that rounding leaves go to the largest line, so the lines still add up to the request)."""
    before = project.requested_amount
    lines = sorted(project.fund_lines, key=lambda line: (-line.amount, line.id or 0))
    if before > 0:
        for line in lines:
            line.amount = (line.amount * amount / before).quantize(CENT, ROUND_HALF_UP)
        if lines:
            lines[0].amount += amount - sum((line.amount for line in lines), Decimal(0))
    project.requested_amount = amount
