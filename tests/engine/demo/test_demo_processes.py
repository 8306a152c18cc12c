"""`budgetloop demo --processes K` (issue 12): on PostgreSQL the long leg of the demo is driven
by K processes and the province ends as the demo promises; on SQLite the option is refused."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.db import create_db_engine, session_factory
from engine.demo.province_at_work import run_province_demo
from engine.models import Incident, ProcessInstance

PROJECTS = 16


def test_two_processes_close_last_years_loop(empty_database_url, backend, budgetloop, monkeypatch):
    if backend == "sqlite":
        monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", empty_database_url)
        code, _, err = budgetloop("demo", "--no-serve", "--projects", "5", "--processes", "2")
        assert code == 2 and "--processes above 1 needs PostgreSQL" in err
        return
    engine = create_db_engine(empty_database_url)
    sessions = session_factory(engine)
    try:
        at_work = run_province_demo(
            engine,
            sessions,
            year=2026,
            projects=PROJECTS,
            seed=3,
            processes=2,
            url=empty_database_url,
        )
        with sessions() as session:
            statuses = dict(
                session.execute(
                    select(ProcessInstance.status, func.count())
                    .where(ProcessInstance.business_key.startswith("cycle:2025-"))
                    .group_by(ProcessInstance.status)
                ).all()
            )
            assert statuses == {"completed": PROJECTS}
            assert session.scalar(select(func.count()).select_from(Incident)) == 0
        assert sum(at_work.previous.decisions.values()) == PROJECTS
        assert at_work.waiting  # this year's season has work waiting
    finally:
        engine.dispose()
