"""The caller's own messages: list, mark read, and the kinds muted."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from engine.notifications import centre
from engine.notifications.centre import MAX_IDS
from engine.notifications.kinds import KINDS
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_LISTED_ID

blp = Blueprint("messages", __name__, description="The message centre (站内消息)")
protect(blp)

KIND = validate.OneOf(KINDS)


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": " | ".join(KINDS)})
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True, metadata={"description": "the page it is about"})
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class MessageArgs(PageArgs):
    unread = fields.Boolean(load_default=False)
    kind = fields.String(validate=KIND)


class ReadSchema(Schema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_LISTED_ID)),
        validate=validate.Length(max=MAX_IDS),
        metadata={"description": "the messages to mark read"},
    )
    all = fields.Boolean(load_default=False, metadata={"description": "every unread message"})

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if not data.get("all") and data.get("ids") is None:
            raise SchemaError("give ids, or all: true", "ids")


class ReadResultSchema(Schema):
    read = fields.Integer(required=True, metadata={"description": "messages marked read now"})
    unread = fields.Integer(required=True)


class MutesSchema(Schema):
    muted = fields.List(
        fields.String(validate=KIND), required=True, validate=validate.Length(max=len(KINDS))
    )


class MutesResultSchema(MutesSchema):
    kinds = fields.List(fields.String(), required=True)


@blp.route("/")
class Messages(MethodView):
    @blp.arguments(MessageArgs, location="query")
    @blp.response(200, page_of(MessageSchema))
    def get(self, args):
        """Your messages, newest first (only the unread ones with `unread=true`)."""
        return centre.list_messages(
            get_session(),
            current_actor(),
            unread=args["unread"],
            kind=args.get("kind"),
            page=args["page"],
            per_page=args["per_page"],
        )


@blp.route("/read")
class Read(MethodView):
    @blp.arguments(ReadSchema)
    @blp.response(200, ReadResultSchema)
    def post(self, body):
        """Mark messages of yours read (others' ids change nothing)."""
        session, actor = get_session(), current_actor()
        changed = centre.mark_read(session, actor, None if body["all"] else body["ids"])
        return {"read": changed, "unread": centre.unread_count(session, actor)}


@blp.route("/mutes")
class Mutes(MethodView):
    @blp.response(200, MutesResultSchema)
    def get(self):
        """The kinds of message you muted (never made for you, nor e-mailed)."""
        return {"muted": sorted(centre.muted(get_session(), current_actor())), "kinds": KINDS}

    @blp.arguments(MutesSchema)
    @blp.response(200, MutesResultSchema)
    def put(self, body):
        """Replace the kinds you mute."""
        chosen = centre.set_muted(get_session(), current_actor(), body["muted"])
        return {"muted": sorted(chosen), "kinds": KINDS}
