"""`set_document_status` moves a document in one UPDATE, and a session that holds the row sees
the move: a later change to the row in the same transaction is not taken for a stale one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.models import TargetTable
from engine.models.enums import DocumentStatus
from engine.workflow.operations import ServiceCall
from tests.engine.workflow.conftest import OPERATOR

NOW = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)


def _call(session, wf, document, status: str) -> ServiceCall:
    return ServiceCall(
        session=session,
        engine=wf,
        instance=None,
        data={"document": document},
        params={"status": status},
        actor=OPERATOR,
        now=NOW,
        element_id="Service_Status",
    )


def test_the_status_moves_and_the_session_follows(sessions, wf, province):
    with sessions() as session, session.begin():
        table = session.scalars(select(TargetTable).order_by(TargetTable.id)).first()
        version, ref = table.version, {"type": "target_table", "id": table.id}
        for status in ("submitted", "approved"):
            answer = wf.operations.call("set_document_status", _call(session, wf, ref, status))
            assert answer == {"status": status}
        assert table.status is DocumentStatus.APPROVED and table.version == version + 2
        assert table.submitted_at == NOW and table.approved_at == NOW
        table.goal = "按期完成并通过验收"
        session.flush()  # the row's version is the one the session holds: no stale-data error
    with sessions() as session:
        again = session.get(TargetTable, ref["id"])
        assert (again.status, again.version, again.goal) == (
            DocumentStatus.APPROVED,
            version + 3,
            "按期完成并通过验收",
        )


@pytest.mark.parametrize(
    "document",
    [{"type": "target_table", "id": 10**9}, {"type": "target_table", "id": "1"}, {"type": "x"}],
)
def test_a_document_that_is_not_there_is_not_found(sessions, wf, province, document):
    with sessions() as session, session.begin(), pytest.raises(NotFound):
        wf.operations.call("set_document_status", _call(session, wf, document, "submitted"))
