"""Ex-ante assessments (事前绩效评估) of new projects: the list in your scope, and one with the
unit's proposal, the points per item, the conclusion and the amount recommended."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.evaluation.ex_ante import CONCLUSIONS
from engine.evaluation.ex_ante_queries import ExAnteFilter, get_ex_ante, list_ex_ante
from engine.models.enums import DocumentStatus
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID

blp = Blueprint(
    "ex_ante_assessments",
    __name__,
    description="Ex-ante assessments of new projects before their targets are filed (事前绩效评估)",
)
protect(blp)

AS_TEXT = {"type": "string", "example": "72.00"}


class ExAnteSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    requested_amount = fields.Decimal(
        as_string=True, required=True, attribute="project.requested_amount", metadata=AS_TEXT
    )
    major_policy = fields.Boolean(required=True, attribute="project.is_major_policy")
    assessor = fields.String(
        required=True, metadata={"description": "department, or third_party (commissioned)"}
    )
    assessor_org_id = fields.Integer(allow_none=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    total_score = fields.Decimal(as_string=True, allow_none=True, metadata=AS_TEXT)
    conclusion = fields.String(
        allow_none=True,
        metadata={
            "description": "support 建议予以支持, adjust 调整后支持, reject 不予支持 "
            "(the project does not enter the year); null while being assessed"
        },
    )
    recommended_amount = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={**AS_TEXT, "description": "调整后支持: the project's request is revised to it"},
    )
    requested_amount = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={**AS_TEXT, "description": "the request assessed (as the unit filed it)"},
    )
    submitted_at = fields.DateTime(allow_none=True)
    assessed_at = fields.DateTime(allow_none=True)


class ExAnteDetailSchema(ExAnteSchema):
    proposal = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": "the unit's necessity, feasibility, economy, targets"},
    )
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": "points per item of the ex-ante frame"},
    )
    opinion = fields.String(allow_none=True)


class ExAnteArgs(PageArgs):
    conclusion = fields.String(validate=validate.OneOf([*CONCLUSIONS, "pending"]))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


@blp.route("/")
class ExAnteList(MethodView):
    @blp.arguments(ExAnteArgs, location="query")
    @blp.response(200, page_of(ExAnteSchema))
    def get(self, args):
        """List the ex-ante assessments you may see (sort: id or project_id, - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_ex_ante(
            get_session(),
            current_actor(),
            ExAnteFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/<int:assessment_id>")
class ExAnteDetail(MethodView):
    @blp.response(200, ExAnteDetailSchema)
    @blp.alt_response(404, description="no such assessment in your scope")
    def get(self, assessment_id: int):
        """One assessment: the proposal, the points, the conclusion and the amount."""
        return get_ex_ante(get_session(), current_actor(), assessment_id)
