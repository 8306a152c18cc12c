"""Indicator frames: the frames tables are filed on, each region's choice per year, a choice."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import frames
from engine.identity.permissions import Permission
from web.api.base import forbidden
from web.auth import current_actor, protect, require
from web.db import get_session

blp = Blueprint(
    "indicator_frames",
    __name__,
    description="Indicator frames: the default one and the 2021 one (成本 a level-1 item), "
    "chosen per region and year (指标体系)",
)
protect(blp)

YEAR = validate.Range(min=2000, max=2100)


class FrameItemSchema(Schema):
    code = fields.String(required=True)
    level = fields.Integer(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    weight = fields.Decimal(as_string=True, allow_none=True)
    weight_min = fields.Decimal(as_string=True, allow_none=True)
    weight_max = fields.Decimal(as_string=True, allow_none=True)
    fixed_item = fields.String(
        allow_none=True, metadata={"description": "scored from the ledger: execution"}
    )
    folds_into = fields.String(
        allow_none=True,
        metadata={"description": "a table without indicators here gives its weight to this item"},
    )
    counterpart = fields.String(
        allow_none=True,
        metadata={"description": "the item of another frame it continues, frame:item"},
    )


class FrameSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(
        allow_none=True,
        attribute="region_code",
        metadata={"description": "a region's own weights; null: shipped"},
    )
    year = fields.Integer(allow_none=True, attribute="fiscal_year")
    version = fields.Integer(required=True)
    total_points = fields.Decimal(as_string=True, required=True)
    description = fields.String(allow_none=True)
    items = fields.List(fields.Nested(FrameItemSchema), required=True, attribute="nodes")


class FrameListSchema(Schema):
    items = fields.List(fields.Nested(FrameSchema), required=True)


class ChoiceSchema(Schema):
    region = fields.String(required=True, attribute="region_code")
    year = fields.Integer(required=True)
    frame = fields.Nested(FrameSchema, required=True)
    chosen = fields.Boolean(
        required=True, metadata={"description": "false: no choice made, the default applies"}
    )
    on_frame = fields.Integer(required=True, metadata={"description": "tables on this frame"})
    elsewhere = fields.Integer(
        required=True, metadata={"description": "tables filed on another frame, which they keep"}
    )
    to_move = fields.Integer(
        required=True, metadata={"description": "draft and returned tables still to move"}
    )


class ChoiceListSchema(Schema):
    items = fields.List(fields.Nested(ChoiceSchema), required=True)


class RegionYearSchema(Schema):
    region = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=12), validate.Regexp(r"^[0-9]+$")],
        metadata={"description": "the region's code, e.g. 990000"},
    )
    year = fields.Integer(required=True, validate=YEAR)


class ChoiceInSchema(RegionYearSchema):
    frame = fields.String(required=True, validate=validate.Length(min=1, max=40))
    weights = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.String(validate=validate.Length(max=12)),
        load_default=dict,
        validate=validate.Length(max=20),
        metadata={
            "description": 'the region\'s level-1 weights by item code, e.g. {"cost": "15"}; '
            "an item not named keeps its weight; they must add up to the frame's total"
        },
    )


class ChoiceMadeSchema(ChoiceSchema):
    moved = fields.Integer(
        required=True, metadata={"description": "draft tables moved by this request"}
    )


def _made(choice: frames.Choice, moved: int) -> dict:
    return {**vars(choice), "moved": moved}


@blp.route("/")
class Frames(MethodView):
    @blp.response(200, FrameListSchema)
    def get(self):
        """The shipped frames project target tables are filed on, with their items and weights."""
        current_actor()
        return {"items": frames.filing_frames(get_session())}


@blp.route("/choices")
class Choices(MethodView):
    @blp.response(200, ChoiceListSchema)
    def get(self):
        """Each region's frame for each year on record, and where its tables stand."""
        current_actor()
        return {"items": frames.on_record(get_session())}

    @blp.arguments(ChoiceInSchema)
    @blp.response(200, ChoiceMadeSchema)
    @blp.alt_response(403, description=forbidden(Permission.WRITE_FRAMES))
    @blp.alt_response(422, description="unknown frame or region; `errors` names each weight")
    def put(self, body):
        """File a region's year on a frame, with the region's own weights, and move the first
        batch of its draft tables there (tables already submitted keep their frame)."""
        actor = require(Permission.WRITE_FRAMES)
        choice, moved = frames.choose(
            get_session(),
            actor,
            body["region"],
            body["year"],
            body["frame"],
            body["weights"] or None,
        )
        return _made(choice, moved)


@blp.route("/choices/moves")
class Moves(MethodView):
    @blp.arguments(RegionYearSchema)
    @blp.response(200, ChoiceMadeSchema)
    @blp.alt_response(403, description=forbidden(Permission.WRITE_FRAMES))
    def post(self, body):
        """Move the next batch of a region's draft tables of a year onto its frame."""
        require(Permission.WRITE_FRAMES)
        session = get_session()
        moved = frames.move_drafts(session, body["region"], body["year"])
        return _made(frames.choice(session, body["region"], body["year"]), moved)
