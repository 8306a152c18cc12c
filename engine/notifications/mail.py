"""E-mail, the channel beyond the app: configured by `BUDGETLOOP_SMTP` (host:port of an SMTP
relay) and `BUDGETLOOP_SMTP_FROM`; off when unset. A message to a user with an address gets
one delivery row (unique per message and channel), claimed with SKIP LOCKED on PostgreSQL, so
two workers never send it twice; a failed send is retried up to `MAX_ATTEMPTS` times."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from engine.db import insert_skipping
from engine.errors import ConfigurationError
from engine.models import Message, MessageDelivery, MessageMute, User

SMTP_VAR = "BUDGETLOOP_SMTP"
FROM_VAR = "BUDGETLOOP_SMTP_FROM"
PUBLIC_URL_VAR = "BUDGETLOOP_PUBLIC_URL"
CHANNEL = "email"
MAX_ATTEMPTS = 3
BATCH = 100
SEND_TIMEOUT = 10  # seconds for one SMTP conversation
SUBJECTS = {
    "task": "新的待办事项",
    "returned": "文件被退回修改",
    "alert": "项目监控预警",
    "deadline_near": "办理期限临近",
    "deadline_passed": "已超过办理期限",
    "decision": "资金安排决定",
}


@dataclass(frozen=True)
class SmtpChannel:
    host: str
    port: int
    sender: str
    public_url: str = ""


def smtp_channel(env: Mapping[str, str] | None = None) -> SmtpChannel | None:
    """The configured SMTP relay, or None when e-mail is off."""
    env = os.environ if env is None else env
    raw = (env.get(SMTP_VAR) or "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigurationError(f"{SMTP_VAR} must be host:port, not {raw[:60]!r}")
    sender = (env.get(FROM_VAR) or "").strip()
    if "@" not in sender or len(sender) > 254:
        raise ConfigurationError(f"{FROM_VAR} must be the sender's address when {SMTP_VAR} is set")
    public = (env.get(PUBLIC_URL_VAR) or "").strip().rstrip("/")
    return SmtpChannel(host, int(port), sender, public)


def queue(session: Session, limit: int = 500) -> int:
    """A pending delivery for each message to a user with an address that has none yet."""
    rows = session.execute(
        select(Message.id, User.email)
        .join(User, User.id == Message.user_id)
        .where(
            User.email.is_not(None),
            User.active.is_(True),
            ~exists().where(
                MessageDelivery.message_id == Message.id, MessageDelivery.channel == CHANNEL
            ),
            ~exists().where(and_(MessageMute.user_id == User.id, MessageMute.kind == Message.kind)),
        )
        .order_by(Message.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    deliveries = [
        {"message_id": m, "channel": CHANNEL, "address": a, "status": "pending", "attempts": 0}
        for m, a in rows
    ]
    statement = insert_skipping(session, MessageDelivery, deliveries, ["message_id", "channel"])
    return len(session.scalars(statement.returning(MessageDelivery.id)).all())


def deliver(session: Session, channel: SmtpChannel, now: datetime, limit: int = BATCH) -> dict:
    """Send up to `limit` pending deliveries; {"sent": n, "failed": m, "retry": k}."""
    claim = (
        select(MessageDelivery, Message)
        .join(Message, Message.id == MessageDelivery.message_id)
        .where(MessageDelivery.status == "pending", MessageDelivery.channel == CHANNEL)
        .order_by(MessageDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        claim = claim.with_for_update(skip_locked=True, of=MessageDelivery)
    outcome = {"sent": 0, "failed": 0, "retry": 0}
    for delivery, message in session.execute(claim).all():
        try:
            _send(channel, delivery.address, message)
        except (smtplib.SMTPException, OSError) as error:
            delivery.attempts += 1
            delivery.last_error = f"{type(error).__name__}: {error}"[:500]
            delivery.status = "failed" if delivery.attempts >= MAX_ATTEMPTS else "pending"
            outcome["failed" if delivery.status == "failed" else "retry"] += 1
            continue
        delivery.attempts += 1
        delivery.status = "sent"
        delivery.sent_at = now
        outcome["sent"] += 1
    session.flush()
    return outcome


def _send(channel: SmtpChannel, address: str, message: Message) -> None:
    mail = EmailMessage()
    mail["From"] = channel.sender
    mail["To"] = address
    # A title is data (a project's or task's name): one line, whatever it holds.
    title = " ".join(message.title.split())
    mail["Subject"] = f"[预算绩效] {SUBJECTS.get(message.kind, '消息')}：{title}"
    link = f"{channel.public_url}{message.link}" if message.link else ""
    mail.set_content("\n".join(part for part in (message.title, message.body, link) if part))
    with smtplib.SMTP(channel.host, channel.port, timeout=SEND_TIMEOUT) as smtp:
        smtp.send_message(mail)
