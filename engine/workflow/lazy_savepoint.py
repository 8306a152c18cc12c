"""A command's savepoint, opened only when the command may fail after it has written.

A command that fails in the workflow (a script error, a gateway with no way out, data too
large) is rolled back and recorded as an incident in the caller's transaction. Until a service
task runs, a command writes nothing before its last chance to fail — it reads, runs the
workflow in memory, and writes the state and its derived rows last — so there is nothing to
roll back and no savepoint is needed (two statements of the eight a user task's completion
costs). A service task writes from inside the workflow's run, so the first one opens the
savepoint before it calls the operation.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, SessionTransaction


class LazySavepoint:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._savepoint: SessionTransaction | None = None

    def open(self) -> None:
        """Before a write that a failure of the command may follow."""
        if self._savepoint is None:
            self._savepoint = self._session.begin_nested()

    def commit(self) -> None:
        if self._savepoint is not None:
            self._savepoint.commit()

    def rollback(self) -> None:
        """Undo what the command wrote, if it wrote anything."""
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()
