"""The audit chain detects an edited, a deleted and a reordered event."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from engine import audit
from engine.models import AuditEvent


def _append_five(sessions):
    with sessions() as session, session.begin():
        for number in range(1, 6):
            audit.append(
                session,
                actor="user:7",
                action="task.complete",
                object_type="task",
                object_id=number,
                payload={"amount": "12.50", "comment": f"第{number}次"},
            )


def _verify(sessions):
    with sessions() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(sessions):
    _append_five(sessions)
    report = _verify(sessions)
    assert report.ok and report.events == 5


def test_an_edited_payload_is_detected(sessions):
    _append_five(sessions)
    with sessions() as session, session.begin():
        session.execute(
            update(AuditEvent).where(AuditEvent.seq == 3).values(payload={"amount": "1250.00"})
        )
    report = _verify(sessions)
    assert not report.ok and "event 3" in report.problem and "edited" in report.problem


def test_a_deleted_event_is_detected(sessions):
    _append_five(sessions)
    with sessions() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    report = _verify(sessions)
    assert not report.ok and "event 2 is missing" in report.problem


def test_a_deleted_last_event_is_detected(sessions):
    _append_five(sessions)
    with sessions() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    report = _verify(sessions)
    assert not report.ok and "deleted" in report.problem


def test_reordered_events_are_detected(sessions):
    _append_five(sessions)
    with sessions() as session, session.begin():
        # Swap the positions of events 2 and 4, rewriting nothing else.
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2))
        session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(seq=2))
        session.execute(update(AuditEvent).where(AuditEvent.seq == -2).values(seq=4))
    report = _verify(sessions)
    assert not report.ok and "event 2" in report.problem


def test_appends_continue_the_chain_across_transactions(sessions):
    _append_five(sessions)
    _append_five(sessions)
    with sessions() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 11))
    assert _verify(sessions).ok
