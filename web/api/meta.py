"""The API root: what this server is and where its parts are."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from engine import schema
from web.db import get_engine

blp = Blueprint("meta", __name__, description="API root")


class RootSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    schema_revision = fields.String(required=True, allow_none=True)
    openapi = fields.String(required=True)
    health = fields.String(required=True)


@blp.route("/")
class Root(MethodView):
    @blp.response(200, RootSchema)
    @blp.doc(security=[])
    def get(self):
        """Describe the API and link to its OpenAPI document."""
        return {
            "name": "budgetloop",
            "version": "v1",
            "schema_revision": schema.current_revision(get_engine()),
            "openapi": url_for("api-docs.openapi_json"),
            "health": url_for("health.healthz"),
        }
