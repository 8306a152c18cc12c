"""Paged list arguments and envelopes shared by every list endpoint."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

from engine.paging import MAX_PER_PAGE


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    sort = fields.String(load_default=None, validate=validate.Length(max=40))


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope `{items, page, per_page, total, pages}` around `item_schema` rows."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=name,
    )
