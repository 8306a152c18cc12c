"""Where a process instance is (a project's cycle, a department's year), as Camunda Cockpit
shows it: each diagram the instance has entered (the budget cycle, the stages it called, their
review chains), the elements active and completed in each, the sequence flows taken, and who did
what when.

Read-only: the workflow is loaded from its stored state and never run. The work is bounded by the
instance itself (its task tree, its human tasks and timers), never by the size of the province.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.models import (
    DepartmentPlan,
    FinishedDiagram,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    ProcessSpec,
    Project,
    Timer,
    User,
)
from engine.workflow.diagram_trace import element_of, trace
from engine.workflow.runtime import WorkflowEngine
from engine.workflow.task_data import recorded


@dataclass
class Diagram:
    """One process diagram the instance has entered, with what happened in it."""

    process: str  # the process id drawn in the diagram
    called_as: str  # the name its caller used (a review variant such as review__target_table)
    definition_id: int | None  # the deployed file to draw (GET /process-definitions/<id>/source)
    version: int | None
    call_activity: str | None = None  # the element in the parent diagram that called it
    parent: int | None = None  # index of the parent diagram in InstanceView.diagrams
    running: bool = False
    active: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    # Sequence flows taken, as (source element, target element): the diagram knows the flow ids.
    flows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class HistoryEntry:
    """One step a person or the clock took in the instance."""

    at: datetime | None
    kind: str  # "task" or "timer"
    element: str
    name: str
    process: str
    status: str  # task: ready, completed, cancelled; timer: waiting, fired, cancelled
    role: str | None = None
    actor: str | None = None  # as the audit log names it: user:<login>, or a system actor
    actor_name: str | None = None  # the person's display name, when the actor is a user
    outcome: str | None = None
    comment: str | None = None
    due_at: datetime | None = None


@dataclass
class InstanceView:
    # What the instance is about: a Project, or a DepartmentPlan (its `id` names it).
    subject: Project | DepartmentPlan | None
    instance_id: int
    process_key: str
    definition_id: int
    version: int | None
    status: str
    started_at: datetime
    completed_at: datetime | None
    diagrams: list[Diagram]
    history: list[HistoryEntry]

    @property
    def active_stack(self) -> list[int]:
        """Indexes of the running diagrams from the top down (the deepest is where work waits)."""
        return [index for index, diagram in enumerate(self.diagrams) if diagram.running]


def instance_view(
    session: Session, actor: Actor, engine: WorkflowEngine, instance: ProcessInstance, subject
) -> InstanceView:
    """Where `instance` (the process of `subject`) is, and how it got there."""
    workflow = engine.load(session, instance, actor)
    spec_row = session.get(ProcessSpec, instance.spec_sha256)
    versions = dict(spec_row.versions) if spec_row is not None else {}
    finished = session.scalars(
        select(FinishedDiagram)
        .where(FinishedDiagram.instance_id == instance.id)
        .order_by(FinishedDiagram.id)
    ).all()
    diagrams = _diagrams(workflow, instance.process_key, list(finished))
    _attach_definitions(session, diagrams, versions)
    return InstanceView(
        subject=subject,
        instance_id=instance.id,
        process_key=instance.process_key,
        definition_id=instance.definition_id,
        version=versions.get(instance.process_key),
        status=instance.status,
        started_at=instance.created_at,
        completed_at=instance.completed_at,
        diagrams=diagrams,
        history=_history(session, instance.id, workflow),
    )


def _diagrams(workflow, process_key: str, finished: list[FinishedDiagram]) -> list[Diagram]:
    """The top diagram, then each subprocess depth first: under each diagram the finished
    subprocesses it called (kept when they left the state) in the order they finished, then
    the live ones in the order they were called."""
    by_workflow: dict[int, list] = {}
    callers = []  # the tasks that called a live subprocess, in the order they were called
    for task in workflow.get_tasks():
        by_workflow.setdefault(id(task.workflow), []).append(task)
        if task.id in workflow.subprocesses:
            callers.append(task)
    children: dict[str | None, list[tuple[str, Diagram]]] = {}
    for row in finished:
        diagram = Diagram(
            process=row.process,
            called_as=row.called_as,
            definition_id=None,
            version=None,
            call_activity=row.call_activity,
            completed=list(row.completed),
            flows=[tuple(flow) for flow in row.flows],
        )
        children.setdefault(row.parent_task_id, []).append((row.call_task_id, diagram))
    for task in callers:
        sub = workflow.subprocesses[task.id]
        steps = trace(by_workflow.get(id(sub), []), sub)
        diagram = Diagram(
            process=sub.spec.name,
            called_as=getattr(task.task_spec, "spec", None) or sub.spec.name,
            definition_id=None,
            version=None,
            call_activity=element_of(task),
            running=bool(steps.active),
            active=steps.active,
            completed=steps.completed,
            flows=steps.flows,
        )
        parent = task.workflow.parent_task_id
        children.setdefault(None if parent is None else str(parent), []).append(
            (str(task.id), diagram)
        )
    steps = trace(by_workflow.get(id(workflow), []), workflow)
    top = Diagram(
        process=workflow.spec.name,
        called_as=process_key,
        definition_id=None,
        version=None,
        running=bool(steps.active),
        active=steps.active,
        completed=steps.completed,
        flows=steps.flows,
    )
    diagrams: list[Diagram] = []

    def place(key: str | None, diagram: Diagram, parent: int | None) -> None:
        diagram.parent = parent
        diagrams.append(diagram)
        index = len(diagrams) - 1
        for child_key, child in children.get(key, []):
            place(child_key, child, index)

    place(None, top, None)
    return diagrams


def _attach_definitions(session: Session, diagrams: list[Diagram], versions: dict) -> None:
    """Each diagram's deployed file, at the version the instance started on."""
    wanted = {(d.process, versions.get(d.called_as, versions.get(d.process))) for d in diagrams}
    found: dict[tuple[str, int], int] = {}
    names = {name for name, _ in wanted}
    rows = session.execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.version,
            ProcessDefinition.provides,
        ).where(
            ProcessDefinition.kind == "bpmn",
            ProcessDefinition.version.in_({v for _, v in wanted if v is not None}),
        )
    )
    for definition_id, key, version, provides in rows:
        for name in {key, *(provides or [])} & names:
            # A file's own key wins over another file that also provides the process.
            if key == name or (name, version) not in found:
                found[(name, version)] = definition_id
    for diagram in diagrams:
        diagram.version = versions.get(diagram.called_as, versions.get(diagram.process))
        diagram.definition_id = found.get((diagram.process, diagram.version))


def _history(session: Session, instance_id: int, workflow) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for row in session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance_id)
        .order_by(HumanTask.created_at, HumanTask.id)
    ):
        result = recorded(row, workflow) if row.status == "completed" else {}
        outcome, comment = result.get("outcome"), result.get("comment")
        entries.append(
            HistoryEntry(
                at=row.completed_at or row.created_at,
                kind="task",
                element=row.element_id,
                name=row.name,
                process=row.process_key,
                status=row.status,
                role=row.role,
                actor=row.completed_by,
                outcome=outcome,
                comment=comment,
                due_at=row.due_at,
            )
        )
    for timer in session.scalars(
        select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at, Timer.id)
    ):
        entries.append(
            HistoryEntry(
                at=timer.fired_at or timer.due_at,
                kind="timer",
                element=timer.element_id,
                name=timer.name,
                process="",
                status=timer.status,
                due_at=timer.due_at,
            )
        )
    _name_people(session, entries)
    entries.sort(key=lambda entry: (entry.at is None, entry.at or datetime.min))
    return entries


def _name_people(session: Session, entries: list[HistoryEntry]) -> None:
    logins = {e.actor[5:] for e in entries if e.actor and e.actor.startswith("user:")}
    if not logins:
        return
    rows = session.execute(select(User.login, User.display_name).where(User.login.in_(logins)))
    names = {login: name for login, name in rows}
    for entry in entries:
        if entry.actor and entry.actor.startswith("user:"):
            entry.actor_name = names.get(entry.actor[5:])
