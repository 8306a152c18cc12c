"""Result-application rule sets: versions per region and year, a new version, a what-if."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput
from engine.identity.permissions import Permission
from engine.results.queries import (
    default_region,
    get_rule_set,
    latest_decision_year,
    list_rule_sets,
    ruleset_ref,
)
from engine.results.ruleset_edits import create_version, simulate
from web.api.base import forbidden
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect, require
from web.db import get_session

blp = Blueprint("rule_sets", __name__, description="Result-application rule sets (结果应用规则)")
protect(blp)

REGION = validate.Length(min=1, max=12)
YEAR = validate.Range(min=2000, max=2100)


class RuleSetSchema(Schema):
    id = fields.Integer(required=True)
    region = fields.String(required=True, attribute="region_code")
    year = fields.Integer(required=True, attribute="fiscal_year")
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    ref = fields.Function(
        ruleset_ref, required=True, metadata={"description": "what decisions record"}
    )
    sha256 = fields.String(required=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)


class RuleSetBodySchema(RuleSetSchema):
    body = fields.Dict(required=True, metadata={"description": "the rule set (rules/FORMAT.md)"})


class RuleSetArgs(PageArgs):
    region = fields.String(validate=REGION)
    year = fields.Integer(validate=YEAR)


class NewVersionSchema(Schema):
    region = fields.String(
        validate=REGION, metadata={"description": "default: the region of the year"}
    )
    year = fields.Integer(required=True, validate=YEAR)
    body = fields.Dict(
        required=True,
        metadata={"description": "the rule set JSON (rules/FORMAT.md); its version is assigned"},
    )


class SimulateSchema(Schema):
    region = fields.String(validate=REGION)
    year = fields.Integer(
        validate=YEAR,
        metadata={"description": "the year whose decisions to replay; default the latest"},
    )
    body = fields.Dict(required=True, metadata={"description": "the candidate rule set"})


class ChangeSchema(Schema):
    project_code = fields.String(required=True)
    department = fields.String(required=True)
    old = fields.String(required=True, metadata={"description": "kind ×factor now"})
    new = fields.String(required=True, metadata={"description": "kind ×factor with the candidate"})
    delta = fields.Decimal(as_string=True, required=True)


class DepartmentDeltaSchema(Schema):
    department = fields.String(required=True)
    delta = fields.Decimal(as_string=True, required=True)


class WhatIfSchema(Schema):
    ruleset = fields.String(required=True)
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    decisions = fields.Integer(required=True, metadata={"description": "decisions replayed"})
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    delta_by_department = fields.List(fields.Nested(DepartmentDeltaSchema), required=True)
    total_delta = fields.Decimal(as_string=True, required=True)


def _region(region: str | None, year: int | None) -> str:
    code = region or default_region(get_session(), year)
    if code is None:
        raise InvalidInput("no region: give one", errors={"region": "required"})
    return code


def whatif_payload(result, region: str, year: int) -> dict:
    return {
        "ruleset": result.ruleset,
        "region": region,
        "year": year,
        "decisions": result.decisions,
        "changes": result.changes,
        "delta_by_department": [
            {"department": name, "delta": delta}
            for name, delta in result.delta_by_department.items()
        ],
        "total_delta": result.total_delta,
    }


@blp.route("/")
class RuleSets(MethodView):
    @blp.arguments(RuleSetArgs, location="query")
    @blp.response(200, page_of(RuleSetSchema))
    @blp.alt_response(403, description=forbidden(Permission.READ_RULESETS))
    def get(self, args):
        """Rule-set versions, newest first (filter by region and year; sort: id, version)."""
        return list_rule_sets(
            get_session(),
            current_actor(),
            args.get("region"),
            args.get("year"),
            args["page"],
            args["per_page"],
            args["sort"],
        )

    @blp.arguments(NewVersionSchema)
    @blp.response(201, RuleSetBodySchema)
    @blp.alt_response(403, description=forbidden(Permission.WRITE_RULESETS))
    @blp.alt_response(422, description="invalid: `errors.problems` names each rule and field")
    def post(self, body):
        """Store a rule set as the next version for its region and year (nothing if invalid)."""
        actor = require(Permission.WRITE_RULESETS)
        return create_version(
            get_session(),
            actor,
            body["body"],
            region=_region(body.get("region"), body["year"]),
            year=body["year"],
        )


@blp.route("/<int:ruleset_id>")
class RuleSetDetail(MethodView):
    @blp.response(200, RuleSetBodySchema)
    @blp.alt_response(403, description=forbidden(Permission.READ_RULESETS))
    @blp.alt_response(404, description="no such rule set")
    def get(self, ruleset_id: int):
        """One stored version with its body."""
        return get_rule_set(get_session(), current_actor(), ruleset_id)


@blp.route("/simulate")
class Simulate(MethodView):
    @blp.arguments(SimulateSchema)
    @blp.response(200, WhatIfSchema)
    @blp.alt_response(403, description=forbidden(Permission.SIMULATE_RULESETS))
    @blp.alt_response(422, description="invalid candidate, or no such year")
    def post(self, body):
        """Replay a year's decisions under a candidate rule set (writes nothing)."""
        actor = require(Permission.SIMULATE_RULESETS)
        session = get_session()
        year = body.get("year") or latest_decision_year(session)
        if year is None:
            raise InvalidInput("no year has funding decisions yet", errors={"year": "required"})
        region = _region(body.get("region"), year)
        result = simulate(session, actor, body["body"], region=region, year=year)
        return whatif_payload(result, region, year)
