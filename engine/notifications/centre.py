"""A user's own messages: listed newest first (unread first when asked), read, and the kinds
they muted. Nobody reads another user's messages: every query is by the caller's user id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.db import MAX_ROW_ID
from engine.errors import InvalidInput
from engine.identity.access import visible_orgs
from engine.models import Message, MessageMute, User
from engine.models.types import utcnow
from engine.notifications.kinds import KINDS, REMINDERS
from engine.paging import Page, paginate

MAX_IDS = 500  # messages marked read in one request


def _own(actor: Actor):
    # Operators and token-less callers have no inbox: an id that matches nobody.
    return Message.user_id == (actor.user_id or -1)


def list_messages(
    session: Session, actor: Actor, *, unread: bool, kind: str | None, page: int, per_page: int
) -> Page:
    stmt = select(Message).where(_own(actor))
    if unread:
        stmt = stmt.where(Message.read_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Message.kind == _kind(kind))
    return paginate(session, stmt.order_by(Message.id.desc()), page, per_page)


def unread_count(session: Session, actor: Actor) -> int:
    if not actor.user_id:
        return 0
    return session.scalar(select(func.count()).where(_own(actor), Message.read_at.is_(None)))


def mark_read(
    session: Session, actor: Actor, ids: list[int] | None, now: datetime | None = None
) -> int:
    """Mark the caller's messages read (`ids`, or all when None); returns how many changed."""
    stmt = update(Message).where(_own(actor), Message.read_at.is_(None))
    if ids is not None:
        if len(ids) > MAX_IDS:
            raise InvalidInput(
                f"at most {MAX_IDS} messages at once, not {len(ids)}",
                errors={"ids": "too many"},
            )
        # An id past the id column names no message (and could not be bound on PostgreSQL).
        stmt = stmt.where(Message.id.in_([i for i in ids if 1 <= i <= MAX_ROW_ID]))
    return session.execute(stmt.values(read_at=now or utcnow())).rowcount


def muted(session: Session, actor: Actor) -> set[str]:
    return set(
        session.scalars(select(MessageMute.kind).where(MessageMute.user_id == actor.user_id))
    )


def set_muted(session: Session, actor: Actor, kinds: list[str]) -> set[str]:
    """Replace the kinds the caller mutes; audited, since a muted reminder is a choice."""
    if not actor.user_id:
        raise InvalidInput("only a user has messages to mute", errors={"kinds": "no user"})
    chosen = {_kind(kind) for kind in kinds}
    session.execute(delete(MessageMute).where(MessageMute.user_id == actor.user_id))
    session.add_all(MessageMute(user_id=actor.user_id, kind=kind) for kind in sorted(chosen))
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="messages.mute",
        object_type="app_user",
        object_id=actor.user_id,
        payload={"muted": sorted(chosen)},
    )
    return chosen


def reminder_counts(session: Session, actor: Actor, since: datetime) -> dict[str, int]:
    """Reminders made since `since` to the users of the organisations `actor` may list (the
    dashboard's count): {"deadline_near": n, "deadline_passed": m}."""
    stmt = (
        select(Message.kind, func.count())
        .join(User, User.id == Message.user_id)
        .where(Message.kind.in_(REMINDERS), Message.created_at >= since)
        .group_by(Message.kind)
    )
    orgs = visible_orgs(actor)
    if orgs is not None:
        stmt = stmt.where(User.organisation_id.in_(orgs))
    counts = dict(session.execute(stmt).all())
    return {kind: counts.get(kind, 0) for kind in REMINDERS}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(
            f"unknown kind of message {kind[:40]!r} (known: {', '.join(KINDS)})",
            errors={"kind": "unknown"},
            key="unknown_message_kind",
            params={"kind": kind[:40], "known": ", ".join(KINDS)},
        )
    return kind
