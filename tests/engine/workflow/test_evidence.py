"""Drafts (暂存) and attachments (佐证材料) on a real monitoring-report task: scope, limits,
optimistic locking, durability, audit, and what completing the task does to them."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine import audit
from engine.actors import Actor
from engine.attachments import (
    CHUNK,
    AttachmentLimits,
    add_attachment,
    attachment_content,
    clean_file_name,
    delete_attachment,
    document_attachments,
    read_bounded,
    task_attachments,
)
from engine.composition import build_engine, deploy_shipped
from engine.db import create_db_engine, session_factory
from engine.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)
from engine.models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    HumanTask,
    MonitoringReport,
    Organisation,
    Project,
    TaskDraft,
    User,
)
from engine.review.drafts import MAX_DRAFT_BYTES, read_draft, save_draft
from engine.review.tasks import complete
from engine.synthetic.province import seed_province
from engine.workflow.clock import ManualClock
from engine.workflow.ticker import fire_due_timers
from tests.conftest import backend_templates
from tests.engine.workflow.conftest import (
    OPERATOR,
    PROVINCE,
    STARTS_AT,
    new_simulation,
    ready_tasks,
    start_project,
)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass(frozen=True)
class MonitoringRound:
    """The database `report_task` is taken from, and the clock and the simulated people's
    random draws as they were when it was made."""

    url: str
    province: list[int]
    task_id: int
    now: datetime
    draws: tuple


@pytest.fixture(scope="module")
def monitoring_round(backend, request) -> MonitoringRound:
    """A project filed and approved, then the monitoring round opened: its report is ready.

    Made once per backend (with the fixtures' clock, province and people) and copied for
    each test, which then goes on with the clock and the draws where they were left.
    """
    url = backend_templates(backend, request).fresh()
    engine = create_db_engine(url)
    try:
        sessions = session_factory(engine)
        clock = ManualClock(STARTS_AT)
        wf = build_engine(clock)
        simulation = new_simulation(wf)
        with sessions() as session, session.begin():
            deploy_shipped(session, wf, OPERATOR)
            seed_province(session, PROVINCE)
            province = session.scalars(select(Project.id).order_by(Project.id)).all()
        instance = start_project(sessions, wf, province[0])
        for _ in range(10):
            for task in ready_tasks(sessions, instance):
                simulation.complete_one(sessions, task.id)
        clock.advance(days=220)
        fire_due_timers(wf, sessions.begin, OPERATOR)
        [task] = ready_tasks(sessions, instance)
        assert task.form == "monitoring_report" and task.org_id is not None
        return MonitoringRound(url, province, task.id, clock(), simulation.choices.rng.getstate())
    finally:
        engine.dispose()


@pytest.fixture
def database_url(monitoring_round, templates) -> Iterator[str]:
    """Every test here starts from a copy of the monitoring round's database."""
    url = templates.copy(monitoring_round.url)
    yield url
    templates.discard(url)


@pytest.fixture
def province(monitoring_round) -> list[int]:
    return monitoring_round.province


@pytest.fixture
def report_task(monitoring_round, sessions, clock, simulation) -> HumanTask:
    """The monitoring report of the first project, ready (in the test's copy)."""
    clock.set(monitoring_round.now)
    simulation.choices.rng.setstate(monitoring_round.draws)
    with sessions() as session:
        return session.get(HumanTask, monitoring_round.task_id)


def _user(session, role: str, org_id: int) -> Actor:
    user = session.scalars(
        select(User).where(User.role == role, User.organisation_id == org_id).limit(1)
    ).one()
    return Actor.of_user(user)


@pytest.fixture
def people(sessions, report_task) -> dict[str, Actor]:
    """The unit filling the report, its department, another unit, a supervisor."""
    with sessions() as session:
        unit = session.get(Organisation, report_task.org_id)
        stranger = session.scalar(
            select(Organisation.id)
            .join(User, User.organisation_id == Organisation.id)
            .where(Organisation.kind == unit.kind, Organisation.id != unit.id, User.role == "unit")
            .limit(1)
        )
        supervisor = session.scalar(select(User).where(User.role == "supervisor").limit(1))
        return {
            "unit": _user(session, "unit", unit.id),
            "department": _user(session, "department", unit.parent_id),
            "stranger": _user(session, "unit", stranger),
            "supervisor": Actor.of_user(supervisor),
        }


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ---- drafts --------------------------------------------------------------------------------


def test_a_draft_is_kept_locked_scoped_audited_and_cleared_by_completing(
    sessions, wf, simulation, report_task, people
):
    unit, task_id = people["unit"], report_task.id
    typed = {"executed_to_date": "1200", "actual-1": "45.9", "note-1": "进度偏慢，已督促"}
    with sessions() as session, session.begin():
        assert read_draft(session, unit, task_id).version == 0
        saved = save_draft(session, unit, task_id, typed, version=0)
    assert saved.version == 1 and saved.data == typed
    with sessions() as session, session.begin():
        # A second tab that read version 0 cannot overwrite the first one's save.
        with pytest.raises(Conflict) as stale:
            save_draft(session, unit, task_id, {"executed_to_date": "9"}, version=0)
        assert stale.value.key == "draft.conflict" and stale.value.params == {"current": 1}
        assert save_draft(session, unit, task_id, {**typed, "x": "1"}, version=1).version == 2
    with sessions() as session:
        # Nothing moved: the task is ready, the report still a draft of the engine's.
        assert session.get(HumanTask, task_id).status == "ready"
        assert read_draft(session, unit, task_id).data == {**typed, "x": "1"}
        for outsider in (people["stranger"], people["department"], people["supervisor"]):
            with pytest.raises(NotFound):
                read_draft(session, outsider, task_id)
            with pytest.raises(NotFound):
                save_draft(session, outsider, task_id, {})
        assert [e.payload["version"] for e in _events(session, "draft.save")] == [1, 2]
    with sessions() as session, session.begin():
        data = simulation.form(session, session.get(HumanTask, task_id))
        assert complete(session, wf, task_id, data, unit).ok
    with sessions() as session:
        assert session.get(TaskDraft, task_id) is None
        assert [e.object_id for e in _events(session, "draft.clear")] == [str(task_id)]
        assert read_draft(session, unit, task_id).version == 0
        with pytest.raises(Conflict):
            save_draft(session, unit, task_id, typed)
        assert audit.verify(session).ok


def test_a_failed_completion_keeps_the_draft(sessions, wf, report_task, people):
    unit, task_id = people["unit"], report_task.id
    with sessions() as session, session.begin():
        save_draft(session, unit, task_id, {"executed_to_date": "12"})
    with sessions() as session, session.begin(), pytest.raises(InvalidInput):
        complete(session, wf, task_id, {"executed_to_date": "-1", "rows": []}, unit)
    with sessions() as session:
        assert session.get(TaskDraft, task_id).data == {"executed_to_date": "12"}


def test_a_draft_is_bounded_and_an_object(sessions, report_task, people):
    unit, task_id = people["unit"], report_task.id
    with sessions() as session, session.begin():
        with pytest.raises(TooLarge) as large:
            save_draft(session, unit, task_id, {"note": "字" * MAX_DRAFT_BYTES})
        assert large.value.params["limit"] == MAX_DRAFT_BYTES
        with pytest.raises(InvalidInput):
            save_draft(session, unit, task_id, ["not", "an", "object"])
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TaskDraft)) == 0
        assert _events(session, "draft.save") == []


def test_forms_completed_at_once_take_no_draft(sessions, province, start, people):
    instance = start(province[1])
    [filing] = ready_tasks(sessions, instance)
    assert filing.form == "target_table"
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        save_draft(session, Actor.system("test"), filing.id, {})
    assert refused.value.key == "draft.form"


# ---- attachments ---------------------------------------------------------------------------


def _docx(entries=("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in entries:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_attachments_are_durable_scoped_and_audited(sessions, report_task, people):
    unit, task_id = people["unit"], report_task.id
    with sessions() as session, session.begin():
        pdf = add_attachment(session, unit, task_id, "C:\\材料\\执行进度说明.pdf", io.BytesIO(PDF))
        docx = add_attachment(session, unit, task_id, "会议纪要.docx", io.BytesIO(_docx()))
        pdf_id, docx_id = pdf.id, docx.id
    with sessions() as session:
        # The report the task fills: the project's (one round in this year).
        [report] = session.scalars(
            select(MonitoringReport)
            .join(Project, Project.id == MonitoringReport.project_id)
            .where(Project.code == report_task.business_key.split(":", 1)[1])
        ).all()
        stored = session.get(Attachment, pdf_id)
        assert (stored.document_type, stored.document_id) == ("monitoring_report", report.id)
        assert stored.file_name == "执行进度说明.pdf" and stored.media_type == "application/pdf"
        assert stored.size == len(PDF) and stored.sha256 == hashlib.sha256(PDF).hexdigest()
        assert session.get(Attachment, docx_id).media_type.endswith("wordprocessingml.document")
        # The unit, its department and a supervisor see them; another unit does not.
        for reader in ("unit", "department", "supervisor"):
            listed = document_attachments(session, people[reader], "monitoring_report", report.id)
            assert [a.id for a in listed] == [pdf_id, docx_id]
            assert attachment_content(session, people[reader], pdf_id)[1] == PDF
        assert [a.id for a in task_attachments(session, unit, task_id)] == [pdf_id, docx_id]
        assert (
            document_attachments(session, people["stranger"], "monitoring_report", report.id) == []
        )
        with pytest.raises(NotFound):
            attachment_content(session, people["stranger"], pdf_id)
        uploads = _events(session, "attachment.upload")
        assert [e.payload["file_name"] for e in uploads] == ["执行进度说明.pdf", "会议纪要.docx"]
        assert uploads[0].payload["sha256"] == stored.sha256 and uploads[0].actor == unit.name
    with sessions() as session, session.begin():
        for other in ("department", "supervisor"):
            with pytest.raises(Forbidden):
                delete_attachment(session, people[other], pdf_id)
        with pytest.raises(NotFound):
            delete_attachment(session, people["stranger"], pdf_id)
        delete_attachment(session, unit, pdf_id)
    with sessions() as session:
        assert session.get(Attachment, pdf_id) is None
        assert session.get(AttachmentBlob, pdf_id) is None
        [deleted] = _events(session, "attachment.delete")
        assert deleted.payload["file_name"] == "执行进度说明.pdf"
        assert audit.verify(session).ok


@pytest.mark.parametrize(
    ("name", "content", "error", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00", UnsupportedMediaType, "type"),
        ("说明", PDF, UnsupportedMediaType, "type"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", UnsupportedMediaType, "content"),
        ("图片.png", PDF, UnsupportedMediaType, "content"),
        ("压缩包.docx", _docx(("secret.txt",)), UnsupportedMediaType, "content"),
        ("坏的.xlsx", b"PK\x03\x04 truncated", UnsupportedMediaType, "content"),
        ("空.pdf", b"", InvalidInput, "empty"),
        ("", PDF, InvalidInput, "no_file"),
        ("大.pdf", PDF + b"\x00" * 2048, TooLarge, "too_large"),
    ],
)
def test_what_is_not_accepted_leaves_nothing(
    sessions, report_task, people, name, content, error, reason
):
    limits = AttachmentLimits(max_bytes=len(PDF) + 1024, max_files=5)
    with sessions() as session, session.begin(), pytest.raises(error) as refused:
        add_attachment(session, people["unit"], report_task.id, name, io.BytesIO(content), limits)
    assert refused.value.key == f"attachment.{reason}"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0
        assert _events(session, "attachment.upload") == []


def test_counts_duplicates_and_closed_tasks(sessions, wf, simulation, report_task, people):
    unit, task_id = people["unit"], report_task.id
    limits = AttachmentLimits(max_files=2)
    with sessions() as session, session.begin():
        first = add_attachment(session, unit, task_id, "a.pdf", io.BytesIO(PDF), limits).id
        with pytest.raises(Conflict) as twin:
            add_attachment(session, unit, task_id, "again.pdf", io.BytesIO(PDF), limits)
        assert twin.value.params == {"name": "a.pdf"}
        add_attachment(session, unit, task_id, "b.png", io.BytesIO(PNG), limits)
        with pytest.raises(InvalidInput) as many:
            add_attachment(session, unit, task_id, "c.pdf", io.BytesIO(PDF + b" "), limits)
        assert many.value.params == {"limit": 2}
    with sessions() as session, session.begin():
        data = simulation.form(session, session.get(HumanTask, task_id))
        assert complete(session, wf, task_id, data, unit).ok
    with sessions() as session, session.begin():
        with pytest.raises(Conflict) as closed:
            delete_attachment(session, unit, first)
        assert closed.value.key == "attachment.closed"
        with pytest.raises(NotFound):  # the task is done: the unit's inbox no longer has it
            add_attachment(session, people["stranger"], task_id, "d.pdf", io.BytesIO(PDF))
        with pytest.raises(Conflict):
            add_attachment(session, unit, task_id, "d.pdf", io.BytesIO(PDF + b"  "))
    with sessions() as session:
        # Kept with the document after the task: the department still reads both.
        assert len(task_attachments(session, unit, task_id)) == 2


class EndlessStream:
    """A body that never ends, counting what is read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int) -> bytes:
        self.read_bytes += size
        return b"\x00" * size


def test_an_upload_is_read_no_further_than_its_limit():
    stream = EndlessStream()
    with pytest.raises(TooLarge):
        read_bounded(stream, 1024 * 1024)
    assert stream.read_bytes <= 1024 * 1024 + CHUNK
    assert read_bounded(io.BytesIO(b"abc"), 3) == b"abc"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\报告.pdf", "报告.pdf"),
        ("a\x00b\u202e.pdf", "ab.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("名" * 300 + ".pdf", "名" * 196 + ".pdf"),
        (None, ""),
    ],
)
def test_file_names_are_made_safe(given, kept):
    assert clean_file_name(given) == kept
