"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class AuditEvent(Base):
    """One thing that happened; `hash` covers the event and the previous event's hash.

    `hash` is an HMAC-SHA256 with the audit key `key_id` (engine.audit_keys); the events
    written before revision 0009 were signed by it, so an event without a key id is forged.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(40))


class AuditHead(Base):
    """The chain's tip, one row; locking it serialises appends across processes.

    The database moves it: each event inserted after it (a greater seq) becomes the tip, by a
    trigger (`TIP_TRIGGER`), so sealing a commit's events costs no statement of its own for it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


# The trigger that moves the tip, per dialect: created with the tables (`create_all`) and by
# revision 0013. Only forward: an older event written later (a test building a chain, a
# restore) never moves the tip back.
_MOVE = "UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq < NEW.seq"
TIP_TRIGGER = {
    "sqlite": [
        f"CREATE TRIGGER audit_event_moves_tip AFTER INSERT ON audit_event BEGIN {_MOVE}; END"
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_moves_tip() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {_MOVE}; RETURN NULL; END $$",
        "CREATE TRIGGER audit_event_moves_tip AFTER INSERT ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_moves_tip()",
    ],
}
DROP_TIP_TRIGGER = {
    "sqlite": ["DROP TRIGGER audit_event_moves_tip"],
    "postgresql": [
        "DROP TRIGGER audit_event_moves_tip ON audit_event",
        "DROP FUNCTION audit_event_moves_tip()",
    ],
}


@event.listens_for(AuditEvent.__table__, "after_create")
def _create_tip_trigger(_table, connection, **_kw) -> None:
    for statement in TIP_TRIGGER[connection.dialect.name]:
        connection.exec_driver_sql(statement)
