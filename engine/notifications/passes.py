"""One pass of the message centre's background work: produce the messages due (one
transaction), then send what the e-mail channel has pending (another, so a slow relay never
holds the first). Run after the timers by `tick` and `work`, and by `messages sweep`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from engine.notifications import mail
from engine.notifications.sweep import sweep


@dataclass
class PassStats:
    produced: Counter = field(default_factory=Counter)
    queued: int = 0
    delivery: dict = field(default_factory=dict)

    @property
    def eventful(self) -> bool:
        return bool(sum(self.produced.values()) or any(self.delivery.values()))

    def line(self) -> str:
        made = sum(self.produced.values())
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.produced.items()))
        text = f"messages: {made} new" + (f" ({kinds})" if kinds else "")
        if self.delivery:
            text += (
                f"; e-mail: {self.delivery['sent']} sent, {self.delivery['retry']} to retry, "
                f"{self.delivery['failed']} failed"
            )
        return text


def run_pass(
    transaction: Callable[[], AbstractContextManager[Session]],
    now: datetime,
    channel: mail.SmtpChannel | None = None,
) -> PassStats:
    stats = PassStats()
    with transaction() as session:
        stats.produced = sweep(session, now)
        if channel is not None:
            stats.queued = mail.queue(session)
    if channel is not None:
        with transaction() as session:
            stats.delivery = mail.deliver(session, channel, now)
    return stats
