"""What a unit keeps beside a task's form: a draft of the form (暂存) and the evidence files
(佐证材料) attached to the document the task fills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base
from engine.models.types import utcnow


class TaskDraft(Base):
    """The fields a unit typed into a ready task's form and saved without completing it.

    One per task; its `version` is checked when saved again, so that two tabs do not silently
    overwrite each other. Completing the task deletes it.
    """

    __tablename__ = "task_draft"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    data: Mapped[dict]
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Attachment(Base):
    """One evidence file attached to a document (a monitoring report, an evaluation or a
    rectification order); its bytes live in `attachment_blob` so that lists never read them."""

    __tablename__ = "attachment"
    __table_args__ = (
        # The same file twice on one document is refused (a reloaded upload page, a double click).
        UniqueConstraint("document_type", "document_id", "sha256"),
        Index("ix_attachment_document", "document_type", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int]
    # The task during which it was uploaded: deleting is allowed only while that task is ready.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttachmentBlob(Base):
    """The bytes of one attachment, stored in the database so that they commit (or roll back)
    with the attachment's row on either backend."""

    __tablename__ = "attachment_blob"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
