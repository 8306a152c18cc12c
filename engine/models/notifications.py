"""The message centre (站内消息): messages to users, the kinds each user muted, and deliveries
beyond the app (e-mail)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base
from engine.models.types import utcnow


class Message(Base):
    """One message to one user. `dedup_key` names the event and the moment it is about, so
    every producer, on every worker, inserts it at most once."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup_key"),
        Index("ix_message_user_unread", "user_id", "read_at", "id"),
        # "Was this event told to anyone yet?": the sweep's look-ups of reminders by key.
        Index("ix_message_dedup_key", "dedup_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    dedup_key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class MessageMute(Base):
    """A kind of message a user asked not to receive."""

    __tablename__ = "message_mute"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)


class MessageDelivery(Base):
    """A message sent beyond the app by a configured channel; one row per message and channel,
    so a second worker never sends it again."""

    __tablename__ = "message_delivery"
    __table_args__ = (
        UniqueConstraint("message_id", "channel"),
        Index("ix_message_delivery_pending", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
