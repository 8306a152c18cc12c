"""Evaluations (an evaluator sees only those assigned to it) and the live score preview."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.evaluation.queries import (
    EvaluationFilter,
    combined_basis,
    get_evaluation,
    list_evaluations,
    score_lines,
    sheet_for_evaluation,
    sheet_for_project,
)
from engine.models.enums import DocumentStatus, EvaluationKind
from web.api.detail import Extended
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID

blp = Blueprint("evaluations_api", __name__, description="Performance evaluations and their scores")
protect(blp)

SCORED_KINDS = [k.value for k in EvaluationKind if k is not EvaluationKind.SATISFACTION_SURVEY]


def _amount(**kwargs):
    return fields.Decimal(as_string=True, allow_none=True, **kwargs)


class EvaluationSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    kind = fields.Enum(EvaluationKind, by_value=True, required=True)
    frame_id = fields.Integer(required=True)
    evaluator_org_id = fields.Integer(allow_none=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    total_score = _amount()
    grade = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    finalized_at = fields.DateTime(allow_none=True)


class ScoreSchema(Schema):
    indicator_id = fields.Integer(allow_none=True, attribute="score.indicator_id")
    node_id = fields.Integer(allow_none=True, attribute="score.node_id")
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    operator = fields.String(allow_none=True)
    unit_of_measure = fields.String(allow_none=True)
    weight = _amount(required=True, attribute="score.weight")
    target = _amount(attribute="score.target")
    actual = _amount(attribute="score.actual")
    band = fields.String(allow_none=True, attribute="score.band")
    band_pct = _amount(attribute="score.band_pct")
    score = _amount(required=True, attribute="score.score")
    overrun = fields.Boolean(required=True, attribute="score.overrun")
    deviation_note = fields.String(allow_none=True, attribute="score.deviation_note")


class FindingSchema(Schema):
    id = fields.Integer(required=True)
    description = fields.String(required=True)
    requirement = fields.String(allow_none=True)


class BasisSchema(Schema):
    kind = fields.String(required=True)
    score = _amount(required=True)
    weight = _amount(required=True, metadata={"description": "re-normalised over kinds present"})


class EvaluationDetailSchema(EvaluationSchema):
    scores = fields.List(fields.Nested(ScoreSchema), required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    combined_basis = fields.List(
        fields.Nested(BasisSchema),
        required=True,
        metadata={"description": "how the project's result combines its scored evaluations"},
    )


class EvaluationArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf([k.value for k in EvaluationKind]))
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    grade = fields.String(validate=validate.Length(min=1, max=20))
    status = fields.String(validate=validate.OneOf([s.value for s in DocumentStatus]))


class PreviewArgs(Schema):
    evaluation_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    kind = fields.String(
        validate=validate.OneOf(SCORED_KINDS),
        metadata={"description": "with project_id: the kind of evaluation (default self)"},
    )
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=60)),
        required=True,
        metadata={
            "description": "the form's data as the task would be completed with it: "
            "self: {executed, scores: [{indicator_id, actual | band + band_pct, reason}]}; "
            "others: {items: {code: points}}"
        },
    )

    @validates_schema
    def one_subject(self, data, **_):
        if ("evaluation_id" in data) == ("project_id" in data):
            raise ValidationError("give either evaluation_id or project_id", "evaluation_id")


class PreviewRowSchema(Schema):
    key = fields.String(required=True, metadata={"description": "execution, indicator id or item"})
    name = fields.String(required=True)
    weight = _amount(required=True)
    target = _amount()
    actual = _amount()
    band = fields.String(allow_none=True)
    band_pct = _amount()
    score = _amount(metadata={"description": "null while the row cannot be scored"})
    overrun = fields.Boolean(required=True)
    below_full = fields.Boolean(
        required=True, metadata={"description": "below full points: a reason is required"}
    )


class PreviewSchema(Schema):
    kind = fields.String(required=True)
    rows = fields.List(fields.Nested(PreviewRowSchema), required=True)
    total = _amount(metadata={"description": "null until every row is scored"})
    grade = fields.String(allow_none=True)
    complete = fields.Boolean(
        required=True, metadata={"description": "the form would be accepted as it is"}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "field → problem, named as submitting would name them"},
    )


@blp.route("/")
class Evaluations(MethodView):
    @blp.arguments(EvaluationArgs, location="query")
    @blp.response(200, page_of(EvaluationSchema))
    def get(self, args):
        """List the evaluations you may see (sort: id or project_id, - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_evaluations(
            get_session(),
            current_actor(),
            EvaluationFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/<int:evaluation_id>")
class EvaluationDetail(MethodView):
    @blp.response(200, EvaluationDetailSchema)
    @blp.alt_response(404, description="no such evaluation in your scope")
    def get(self, evaluation_id: int):
        """One evaluation with its scored rows, findings and the combined result's basis."""
        session = get_session()
        evaluation = get_evaluation(session, current_actor(), evaluation_id)
        return Extended(
            evaluation,
            scores=score_lines(session, evaluation),
            combined_basis=combined_basis(session, evaluation.project),
        )


@blp.route("/score-preview")
class ScorePreview(MethodView):
    @blp.arguments(PreviewArgs)
    @blp.response(200, PreviewSchema)
    @blp.alt_response(404, description="no such evaluation or project in your scope")
    @blp.alt_response(422, description="the request is malformed")
    def post(self, body):
        """Score a form without saving it: each row, the total and the grade, as submitting would.

        Problems (a missing value, a band percentage outside its band, a row below full points
        without a reason) are listed in `errors` rather than refused, so that a form can show
        them while it is being filled in; completing the task refuses them with 422.
        """
        session = get_session()
        actor = current_actor()
        if "evaluation_id" in body:
            sheet = sheet_for_evaluation(session, actor, body["evaluation_id"])
        else:
            kind = EvaluationKind(body.get("kind", "self"))
            sheet = sheet_for_project(session, actor, body["project_id"], kind)
        scored = sheet.score(body["data"])
        return {
            "kind": sheet.kind.value,
            "rows": scored.rows,
            "total": scored.total,
            "grade": scored.grade,
            "complete": scored.complete,
            "errors": scored.errors,
        }
