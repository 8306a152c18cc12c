"""Events wait in their session and are sealed into the chain at its commit (issue 12): what a
rolled-back savepoint appended is dropped, what was appended before it is kept even when a read
inside it sealed early, a reader sees its own transaction's events, and two transactions
committing in either order leave a chain that verifies, in commit order."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from engine import audit
from engine.models import AuditEvent, AuditHead, Region


def _note(session, what: str) -> None:
    audit.append(session, actor="test", action=what, object_type="test", object_id=1)


def _chain(sessions) -> list[str]:
    with sessions() as session:
        report = audit.verify(session)
        assert report.ok, report.problem
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_nothing_is_written_before_the_commit(sessions):
    with sessions() as session, session.begin():
        _note(session, "a")
        _note(session, "b")
        # Plain SQL is not a read of the audit model: it sees the table as it is.
        assert session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0
    assert _chain(sessions) == ["a", "b"]


def test_a_rolled_back_transaction_leaves_nothing(sessions):
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        _note(session, "lost")
        raise RuntimeError
    with sessions() as session, session.begin():
        _note(session, "kept")
    assert _chain(sessions) == ["kept"]


def test_a_rolled_back_savepoint_drops_only_its_own_events(sessions):
    with sessions() as session, session.begin():
        _note(session, "before")
        savepoint = session.begin_nested()
        _note(session, "inside")
        savepoint.rollback()
        with session.begin_nested():
            _note(session, "committed savepoint")
        _note(session, "after")
    assert _chain(sessions) == ["before", "committed savepoint", "after"]


def test_a_read_inside_a_savepoint_then_its_rollback_loses_nothing_from_before(sessions):
    with sessions() as session, session.begin():
        _note(session, "before")
        outer = session.begin_nested()
        _note(session, "outer")
        inner = session.begin_nested()
        _note(session, "inner")
        # Reading the audit log seals what waits: all three rows are written inside `inner`.
        seen = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert seen == ["before", "outer", "inner"]
        inner.rollback()  # the rows go; "before" and "outer" wait again, "inner" is gone
        assert session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0
        _note(session, "later")
        outer.commit()
    assert _chain(sessions) == ["before", "outer", "later"]


def test_a_reader_sees_the_events_its_transaction_appended(sessions):
    with sessions() as session, session.begin():
        _note(session, "mine")
        assert session.scalar(select(AuditEvent.action)) == "mine"
        head = session.get(AuditHead, 1)
        assert head.seq == 1
        _note(session, "then")
    assert _chain(sessions) == ["mine", "then"]


def test_two_transactions_seal_in_commit_order(sessions, backend):
    if backend == "sqlite":
        pytest.skip("SQLite write transactions serialise: the second cannot append meanwhile")
    first_appended, second_done = threading.Event(), threading.Event()
    failures = []

    def first():
        try:
            with sessions() as session, session.begin():
                _note(session, "first appended first")
                first_appended.set()
                assert second_done.wait(20)
        except Exception as error:  # reported below: a thread's assertion would vanish
            failures.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_appended.wait(20)
    # The first still holds its transaction: the second appends and commits without waiting.
    with sessions() as session, session.begin():
        _note(session, "second committed first")
    second_done.set()
    thread.join(30)
    assert not failures
    assert _chain(sessions) == ["second committed first", "first appended first"]


def test_a_flush_after_an_append_keeps_the_event(sessions):
    """A flush runs in a subtransaction of its own; its end is not the transaction's end."""
    with sessions() as session, session.begin():
        _note(session, "before the flush")
        session.add(Region(code="990002", name="测试区"))
        session.flush()
        with session.begin_nested():
            _note(session, "inside a savepoint")
            session.add(Region(code="990003", name="测试区"))
            session.flush()
    assert _chain(sessions) == ["before the flush", "inside a savepoint"]


def test_each_kind_of_audit_read_seals_first(sessions):
    """Entity, column, count over select_from, and a join: each sees the waiting events."""
    reads = [
        lambda s: s.scalars(select(AuditEvent)).all(),
        lambda s: s.scalars(select(AuditEvent.action)).all(),
        lambda s: s.scalar(select(func.count()).select_from(AuditEvent)),
        lambda s: s.scalars(
            select(Region.code).join(AuditEvent, AuditEvent.object_id == Region.code)
        ).all(),
        lambda s: s.get(AuditHead, 1),
    ]
    for number, read in enumerate(reads):
        with sessions() as session, session.begin():
            _note(session, f"read {number}")
            read(session)
            assert session.execute(text("SELECT count(*) FROM audit_event")).scalar() == number + 1
    with sessions() as session, session.begin():
        _note(session, "not read")
        session.scalars(select(Region.code)).all()  # not an audit read: nothing sealed yet
        assert session.execute(text("SELECT count(*) FROM audit_event")).scalar() == len(reads)
