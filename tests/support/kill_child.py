"""A child process that stops in the middle of a command, for tests that kill it there.

    python tests/support/kill_child.py MARKER STOP complete DATABASE_URL TASK_ID
    python tests/support/kill_child.py MARKER STOP start DATABASE_URL PROCESS_KEY BUSINESS_KEY
    python tests/support/kill_child.py MARKER STOP cli ARG…   (runs `budgetloop ARG…`)

STOP is where the command stops, sent to the database but not committed:

- `instance`: right after the command's first write, `UPDATE process_instance … WHERE version`;
- `audit`: right after its last one, the `INSERT INTO audit_event` (the instance, the work queue,
  the timers and the audit chain have all been written by then);
- `flush`: at the end of the first ORM flush (for commands that flush; the runtime now writes
  with plain statements, which `after_flush` never sees).

There the child creates the file MARKER and sleeps for a minute, which is when the test kills it
with SIGKILL. The statement hooks are SQLAlchemy events on the Engine and Session classes, so the
engine code runs unchanged. Exit code 3 means the stop never came.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

STOPPED_EXIT = 3
WRITES = {
    "instance": re.compile(r"^\s*UPDATE\s+\"?process_instance\"?\s", re.IGNORECASE),
    "audit": re.compile(r"^\s*INSERT\s+INTO\s+\"?audit_event\"?\s", re.IGNORECASE),
}


def _stop(marker: Path) -> None:
    partial = marker.with_suffix(".partial")
    partial.write_text(str(os.getpid()))
    os.replace(partial, marker)
    time.sleep(60)


def stop_at(stop: str, marker: Path) -> None:
    if stop == "flush":

        def after_flush(_session, _flush_context) -> None:
            _stop(marker)

        event.listen(Session, "after_flush", after_flush)
        return
    pattern = WRITES[stop]

    def after_cursor_execute(_conn, _cursor, statement, _params, _context, _many) -> None:
        if pattern.match(statement):
            _stop(marker)

    event.listen(Engine, "after_cursor_execute", after_cursor_execute)


def command(kind: str, database_url: str, *args: str) -> None:
    from datetime import UTC, datetime

    from engine.actors import Actor
    from engine.composition import build_engine
    from engine.db import create_db_engine, session_factory
    from engine.workflow.clock import ManualClock

    wf = build_engine(ManualClock(datetime(2026, 1, 6, tzinfo=UTC)))
    sessions = session_factory(create_db_engine(database_url))
    actor = Actor.system("child")
    with sessions() as session, session.begin():
        if kind == "complete":
            wf.complete_task(session, int(args[0]), {"by": "child"}, actor)
        else:
            wf.start(session, args[0], args[1], {}, actor)


def cli(args: list[str]) -> int:
    from engine.cli import run
    from web.cli import cli as budgetloop

    return run(budgetloop, args)


def main(argv: list[str]) -> int:
    marker, stop, kind, *rest = argv
    stop_at(stop, Path(marker))
    if kind in ("complete", "start"):
        command(kind, *rest)
    else:
        print(f"budgetloop exited with {cli(rest)}", file=sys.stderr)
    print(f"the command finished without reaching {stop!r}", file=sys.stderr)
    return STOPPED_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
