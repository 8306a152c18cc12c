"""Process definitions, instances and the tables derived from them (work queue, timers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base
from engine.models.types import utcnow


class ProcessDefinition(Base):
    """One deployed BPMN or DMN file, immutable; a change is a new version of its key."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The executable process id (BPMN) or the first decision id (DMN) the file provides.
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(4))  # "bpmn" or "dmn"
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    # Every process and decision id the file provides (a file may hold several).
    provides: Mapped[list]
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessSpec(Base):
    """A serialized spec bundle (root process plus everything it calls), stored once by hash.

    More than half of a serialized workflow is its spec; instances reference the bundle instead
    of repeating it, and the engine keeps the parsed bundle in memory.
    """

    __tablename__ = "process_spec"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    # {process or decision key: definition version} the bundle was built from.
    versions: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessInstance(Base):
    """A running (or finished) process driving one business object."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_business_key", "business_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str] = mapped_column(String(100))
    spec_sha256: Mapped[str] = mapped_column(ForeignKey("process_spec.sha256"))
    status: Mapped[str] = mapped_column(String(20), index=True)  # running, completed, incident
    state: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class HumanTask(Base):
    """The work queue: a ready user task, scoped to a role and an organisation."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index("ix_human_task_inbox", "status", "role", "org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    form: Mapped[str | None] = mapped_column(String(60))
    business_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # ready, completed, cancelled
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None]
    # What the person decided, kept at completion (the task may later leave the saved state
    # with its finished subprocess): {"outcome", "comment", "document"}, each only if present.
    result: Mapped[dict | None]


class FinishedDiagram(Base):
    """A finished subprocess pruned from its instance's saved state, as the instance view
    draws it: the elements it completed and the flows it took (issue 12: state stays small)."""

    __tablename__ = "finished_diagram"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    # The calling task's id (the subprocess's key) and the subprocess that task ran in (None:
    # the instance's own diagram), so the view can hang it where it was called.
    call_task_id: Mapped[str] = mapped_column(String(36))
    parent_task_id: Mapped[str | None] = mapped_column(String(36))
    process: Mapped[str] = mapped_column(String(100))
    called_as: Mapped[str] = mapped_column(String(100))
    call_activity: Mapped[str | None] = mapped_column(String(100))
    completed: Mapped[list]
    flows: Mapped[list]
    finished_at: Mapped[datetime]


class Timer(Base):
    """A waiting timer event of an instance, due at `due_at`; `budgetloop tick` fires it."""

    __tablename__ = "timer"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index("ix_timer_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))  # waiting, fired, cancelled
    fired_at: Mapped[datetime | None]


class Incident(Base):
    """A command that failed inside the engine; the instance waits until it is retried."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    element_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text)
    # The command to replay on retry: {"kind": "complete_task" | "fire_timers" | "start", …}.
    command: Mapped[dict]
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(20))  # retried, dismissed
