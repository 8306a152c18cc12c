"""The message centre page (站内消息): one's messages, opening one (marked read, then its
page), marking all read, and the kinds one mutes; and the unread count in the header."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.errors import InvalidInput, NotFound
from engine.models import Message
from engine.notifications import centre
from engine.notifications.kinds import KINDS
from web.auth import current_actor, optional_actor
from web.db import get_session
from web.i18n import translate
from web.pages.views import page_number

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_template_global()
def unread_messages() -> int:
    """The header's badge: the caller's unread messages (0 for anyone without an inbox)."""
    actor = optional_actor()
    return centre.unread_count(get_session(), actor) if actor.user_id else 0


@bp.get("/messages")
def messages():
    session, actor = get_session(), current_actor()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown kind of message {kind[:40]!r}", errors={"kind": "unknown"})
    unread = request.args.get("unread") == "1"
    page = centre.list_messages(
        session, actor, unread=unread, kind=kind, page=page_number(), per_page=30
    )
    return render_template(
        "notifications/messages.html",
        page=page,
        kind=kind,
        unread=unread,
        kinds=KINDS,
        muted=centre.muted(session, actor),
        unread_total=centre.unread_count(session, actor),
    )


@bp.post("/messages/<int:message_id>/open")
def open_message(message_id: int):
    """Mark the message read and go to the page it is about."""
    session, actor = get_session(), current_actor()
    message = session.get(Message, message_id)
    if message is None or message.user_id != actor.user_id:
        raise NotFound(f"no message {message_id}", key="no_message", params={"id": message_id})
    centre.mark_read(session, actor, [message.id])
    # Only a path of this app is followed: a message's link is never an outside address.
    target = message.link if message.link and message.link.startswith("/") else None
    if target is None or target.startswith("//"):
        target = url_for("notifications.messages")
    return redirect(target)


@bp.post("/messages/read-all")
def read_all():
    session, actor = get_session(), current_actor()
    changed = centre.mark_read(session, actor, None)
    flash(translate("msg.marked_read", count=changed), "notice")
    return redirect(url_for("notifications.messages"))


@bp.post("/messages/mutes")
def mutes():
    session, actor = get_session(), current_actor()
    chosen = [kind for kind in request.form.getlist("muted") if kind][: len(KINDS)]
    centre.set_muted(session, actor, chosen)
    flash(translate("msg.mutes_saved"), "notice")
    return redirect(url_for("notifications.messages"))
