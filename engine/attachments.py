"""Evidence files (佐证材料) on a monitoring report, a self-evaluation or a rectification order.

A unit attaches files while the task that fills the document is ready, and may delete them until it
is completed. Whoever sees the document's project (engine/identity/access.py) lists and downloads
them; anyone else gets NotFound. The bytes are kept in the database beside their row, so an upload
commits or rolls back as one, on SQLite as on PostgreSQL.

Files are checked by their content: the first bytes (and, for the Office Open XML and OFD
containers, the zip's entries) must be those of the type the file name claims, and only the
types in FILE_TYPES are taken. An upload is read in chunks and refused as soon as it passes the
size limit, so no more than the limit is ever held in memory.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.errors import (
    BudgetloopError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)
from engine.evaluation.queries import evaluation_for_task
from engine.identity.access import project_scope, scoped_by_project
from engine.models import Attachment, AttachmentBlob, HumanTask, Project
from engine.models.types import utcnow
from engine.monitoring.report_queries import open_report
from engine.paging import Page, paginate, sort_by
from engine.rectification.queries import open_order_for
from engine.review.inbox import get_task, may_work_on

MiB = 1024 * 1024
CHUNK = 64 * 1024

# The document each form fills, by the name the attachment rows keep.
DOCUMENT_OF_FORM = {
    "monitoring_report": "monitoring_report",
    "self_evaluation": "evaluation",
    "rectification_feedback": "rectification_order",
}
DOCUMENT_TYPES = frozenset(DOCUMENT_OF_FORM.values())

PDF, PNG, JPEG = b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy Word / Excel container
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class FileType:
    media_type: str
    magic: bytes
    # For zip containers: an entry that only this kind of file has.
    zip_entry: str | None = None


FILE_TYPES = {
    "pdf": FileType("application/pdf", PDF),
    "png": FileType("image/png", PNG),
    "jpg": FileType("image/jpeg", JPEG),
    "jpeg": FileType("image/jpeg", JPEG),
    "doc": FileType("application/msword", OLE2),
    "xls": FileType("application/vnd.ms-excel", OLE2),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ZIP,
        "word/document.xml",
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, "xl/workbook.xml"
    ),
    # 版式文档 (GB/T 33190), the format of China's electronic invoices and official documents.
    "ofd": FileType("application/ofd", ZIP, "OFD.xml"),
}


@dataclass(frozen=True)
class AttachmentLimits:
    """How large a file may be, and how many one document may have."""

    max_bytes: int = 20 * MiB
    max_files: int = 20


def _refusal(cls: type[BudgetloopError], reason: str, message: str, **params):
    """An error that the web says in the user's language: message `problem.attachment.<reason>`
    filled in with `params` (set as attributes, as BudgetloopError's `key` and `params`)."""
    error = cls(message, errors={"file": [message]})
    error.key = f"attachment.{reason}"
    error.params = params
    return error


def clean_file_name(name: str | None) -> str:
    """The name as a person gave it, minus any folder, control characters and excess length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 200 - len(ext) - 1]}.{ext}" if dot and len(ext) <= 10 else name[:200]
    return name


def read_bounded(stream: BinaryIO, max_bytes: int) -> bytes:
    """All of `stream`, or TooLarge as soon as it passes `max_bytes` (reads at most one chunk
    beyond the limit)."""
    buffer = io.BytesIO()
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return buffer.getvalue()
        if buffer.tell() + len(chunk) > max_bytes:
            raise _refusal(
                TooLarge,
                "too_large",
                f"the file is larger than {max_bytes} bytes",
                limit=size_text(max_bytes),
            )
        buffer.write(chunk)


def size_text(size: int) -> str:
    """A size as people read it: 20 MB, 1.5 MB, 512 KB."""
    if size >= MiB:
        return f"{size / MiB:.1f}".removesuffix(".0") + " MB"
    return f"{-(-size // 1024)} KB"


def media_type_of(file_name: str, content: bytes) -> str:
    """The media type of an accepted file, judged by its content; UnsupportedMediaType if the
    name's type is not accepted or the content is not of that type."""
    extension = file_name.rpartition(".")[2].lower() if "." in file_name else ""
    accepted = ", ".join(sorted(FILE_TYPES))
    kind = FILE_TYPES.get(extension)
    if kind is None:
        raise _refusal(
            UnsupportedMediaType,
            "type",
            f"'.{extension}' files are not accepted; accepted: {accepted}",
            extension=extension or "-",
            accepted=accepted,
        )
    if not content.startswith(kind.magic) or not _has_entry(content, kind.zip_entry):
        raise _refusal(
            UnsupportedMediaType,
            "content",
            f"the file's content is not a {extension} file",
            extension=extension,
        )
    return kind.media_type


def _has_entry(content: bytes, entry: str | None) -> bool:
    if entry is None:
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return entry in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return False


@dataclass(frozen=True)
class DocumentRef:
    """The document a task fills, as attachment rows name it."""

    type: str
    id: int
    project_id: int


def document_of_task(session: Session, task: HumanTask, project: Project | None):
    """The document that `task`'s form fills, or None if the form takes no attachments."""
    document_type = DOCUMENT_OF_FORM.get(task.form or "")
    if document_type is None or project is None:
        return None
    if document_type == "monitoring_report":
        found = open_report(session, project.id)
        row = found.report if found is not None else None
    elif document_type == "evaluation":
        row = evaluation_for_task(session, task.form, project)
    else:
        row = open_order_for(session, project)
    return DocumentRef(document_type, row.id, project.id) if row is not None else None


def add_attachment(
    session: Session,
    actor: Actor,
    task_id: int,
    file_name: str | None,
    stream: BinaryIO,
    limits: AttachmentLimits = AttachmentLimits(),
) -> Attachment:
    """Attach the file in `stream` to the document of the caller's ready task `task_id`."""
    item = get_task(session, actor, task_id)
    document = document_of_task(session, item.task, item.project)
    if document is None:
        raise _refusal(
            InvalidInput,
            "no_document",
            f"the form '{item.task.form}' of task {task_id} takes no attachments",
        )
    if item.task.status != "ready":
        raise _refusal(Conflict, "closed", f"task {task_id} is already {item.task.status}")
    name = clean_file_name(file_name)
    if not name:
        raise _refusal(InvalidInput, "no_file", "choose a file to upload")
    content = read_bounded(stream, limits.max_bytes)
    if not content:
        raise _refusal(InvalidInput, "empty", "the file is empty")
    media_type = media_type_of(name, content)
    existing = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.document_type == document.type, Attachment.document_id == document.id)
    )
    if existing >= limits.max_files:
        raise _refusal(
            InvalidInput,
            "too_many",
            f"a document has at most {limits.max_files} attachments",
            limit=limits.max_files,
        )
    digest = hashlib.sha256(content).hexdigest()
    twin = session.scalar(
        select(Attachment.file_name).where(
            Attachment.document_type == document.type,
            Attachment.document_id == document.id,
            Attachment.sha256 == digest,
        )
    )
    if twin is not None:
        raise _refusal(Conflict, "duplicate", f"the same file is attached as '{twin}'", name=twin)
    attachment = Attachment(
        project_id=document.project_id,
        document_type=document.type,
        document_id=document.id,
        task_id=task_id,
        file_name=name,
        media_type=media_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor.name,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    session.add(AttachmentBlob(attachment_id=attachment.id, content=content))
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="attachment.upload",
        object_type="attachment",
        object_id=attachment.id,
        payload=_facts(attachment),
    )
    return attachment


def _facts(attachment: Attachment) -> dict:
    return {
        "document_type": attachment.document_type,
        "document_id": attachment.document_id,
        "project_id": attachment.project_id,
        "task_id": attachment.task_id,
        "file_name": attachment.file_name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def document_attachments(
    session: Session, actor: Actor, document_type: str, document_id: int
) -> list[Attachment]:
    """The attachments of one document that `actor` sees (all or none: they share a project),
    oldest first. For a review page: `document_attachments(session, actor, "monitoring_report",
    report.id)`."""
    stmt = select(Attachment).where(
        Attachment.document_type == document_type, Attachment.document_id == document_id
    )
    stmt = scoped_by_project(stmt, actor, Attachment).order_by(Attachment.id).limit(1000)
    return list(session.scalars(stmt))


def task_attachments(session: Session, actor: Actor, task_id: int) -> list[Attachment]:
    """The attachments of the document that the caller's task fills (none for other forms)."""
    item = get_task(session, actor, task_id)
    document = document_of_task(session, item.task, item.project)
    if document is None:
        return []
    return document_attachments(session, actor, document.type, document.id)


ATTACHMENT_SORTS = {"id": Attachment.id, "uploaded_at": Attachment.uploaded_at}


def attachment_page(
    session: Session,
    actor: Actor,
    page: int,
    per_page: int,
    sort: str | None = None,
    project_id: int | None = None,
    document_type: str | None = None,
    document_id: int | None = None,
) -> Page:
    """The attachments `actor` sees, filtered by project and document."""
    stmt = scoped_by_project(select(Attachment), actor, Attachment)
    if project_id is not None:
        stmt = stmt.where(Attachment.project_id == project_id)
    if document_type is not None:
        stmt = stmt.where(Attachment.document_type == document_type)
    if document_id is not None:
        stmt = stmt.where(Attachment.document_id == document_id)
    return paginate(session, sort_by(stmt, sort, ATTACHMENT_SORTS, Attachment.id), page, per_page)


def visible_attachment(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """The attachment, if `actor` sees its project; NotFound otherwise."""
    attachment = session.scalars(
        select(Attachment)
        .join(Project, Project.id == Attachment.project_id)
        .where(Attachment.id == attachment_id, project_scope(actor))
    ).one_or_none()
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}", errors={"attachment": "not found"})
    return attachment


def attachment_content(session: Session, actor: Actor, attachment_id: int):
    """The attachment and its bytes, if `actor` sees it."""
    attachment = visible_attachment(session, actor, attachment_id)
    content = session.scalar(
        select(AttachmentBlob.content).where(AttachmentBlob.attachment_id == attachment_id)
    )
    return attachment, bytes(content)


def delete_attachment(session: Session, actor: Actor, attachment_id: int) -> None:
    """Delete an attachment while the task it was uploaded in is still ready, as that task's
    worker; Forbidden for others who see it, Conflict once the task is completed."""
    attachment = visible_attachment(session, actor, attachment_id)
    task = session.get(HumanTask, attachment.task_id) if attachment.task_id else None
    if task is None or not may_work_on(actor, task):
        raise Forbidden(
            f"only the unit filling the document may delete attachment {attachment_id}",
            errors={"attachment": "not yours"},
        )
    if task.status != "ready":
        raise _refusal(
            Conflict,
            "closed",
            f"task {task.id} is completed; its attachments are kept with the document",
        )
    facts = _facts(attachment)
    session.execute(delete(AttachmentBlob).where(AttachmentBlob.attachment_id == attachment_id))
    session.execute(delete(Attachment).where(Attachment.id == attachment_id))
    audit.append(
        session,
        actor=actor.name,
        action="attachment.delete",
        object_type="attachment",
        object_id=attachment_id,
        payload=facts,
    )
