"""A start serialises its spec bundle once per deployed versions, and never trusts memory for
what the database holds: a rolled-back start, or a new deployment, simply misses the cache."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.cycle.start import start_cycle
from engine.models import ProcessInstance, ProcessSpec, Project
from tests.engine.workflow.conftest import OPERATOR


def _specs(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessSpec))


def test_a_second_start_reuses_the_serialised_bundle(sessions, wf, province, start, monkeypatch):
    start(province[0])
    built = []
    original = wf.codec.bundle
    monkeypatch.setattr(wf.codec, "bundle", lambda *a: built.append(a) or original(*a))
    start(province[1])
    assert built == []  # nothing serialised again
    with sessions() as session:
        shas = set(session.scalars(select(ProcessInstance.spec_sha256)))
    assert len(shas) == 1


def test_a_start_rolled_back_with_its_spec_row_does_not_leave_the_next_start_without_it(
    sessions, wf, province, start
):
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessSpec)) == 0
    # The first start stores the bundle's row, then its transaction rolls back.
    with sessions() as session, session.begin():
        project = session.get(Project, province[0])
        assert start_cycle(session, wf, project, OPERATOR).ok
        session.rollback()
    assert _specs(sessions) == 0
    # The cache knows the bundle; the database does not: the next start stores it again.
    instance_id = start(province[1])
    with sessions() as session:
        sha = session.get(ProcessInstance, instance_id).spec_sha256
        assert session.get(ProcessSpec, sha) is not None
