"""The chain's tip moves with the events the database inserts (a trigger, revision 0013): the
seal sends no statement of its own for it, and verification still finds the tip at the end."""

from __future__ import annotations

from sqlalchemy import insert, inspect, select, text

from engine import audit, schema
from engine.db import create_db_engine, session_factory
from engine.models import AuditEvent, AuditHead

TRIGGER_LISTS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


def _append(sessions, *actions: str) -> None:
    with sessions() as session, session.begin():
        for action in actions:
            audit.append(session, actor="test", action=action, object_type="t", object_id=1)


def _tip(sessions) -> tuple[int, str]:
    with sessions() as session:
        head = session.get(AuditHead, 1)
        return head.seq, head.hash


def _last(sessions) -> tuple[int, str]:
    with sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        return last.seq, last.hash


def test_the_tip_follows_every_commit(sessions):
    _append(sessions, "one")
    assert _tip(sessions) == _last(sessions)
    _append(sessions, "two", "three", "four")
    assert _tip(sessions) == _last(sessions)
    with sessions() as session:
        assert audit.verify(session).ok


def test_an_older_event_written_later_leaves_the_tip_where_it_is(sessions):
    _append(sessions, "one", "two")
    tip = _tip(sessions)
    with sessions() as session, session.begin():
        first = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
        row = {c.name: getattr(first, c.name) for c in AuditEvent.__table__.c if c.name != "id"}
        session.execute(text("DELETE FROM audit_event WHERE seq = :seq"), {"seq": first.seq})
        session.execute(insert(AuditEvent.__table__).values(row))  # put back, after the tip
    assert _tip(sessions) == tip


def _triggers(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(text(TRIGGER_LISTS[engine.dialect.name])))


def test_revision_0013_adds_the_trigger_and_takes_it_away(database_url):
    engine = create_db_engine(database_url)
    sessions = session_factory(engine)
    _append(sessions, "before")
    assert "audit_event_moves_tip" in _triggers(engine)
    schema.downgrade(engine, "0012")
    assert "audit_event_moves_tip" not in _triggers(engine)
    assert "audit_head" in inspect(engine).get_table_names()
    schema.upgrade(engine)
    assert "audit_event_moves_tip" in _triggers(engine)
    _append(sessions, "after")
    assert _tip(sessions) == _last(sessions)
    with sessions() as session:
        report = audit.verify(session)
        assert report.ok, report
    engine.dispose()
