"""What a task is about when it is not a project's: the inbox, the tasks done and a task's page
name a project's task by its project; an area whose processes run on something else (a
department's year) registers how to name its tasks, from its `init_app`, never on import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.models import HumanTask


@dataclass(frozen=True)
class TaskSubject:
    name: str
    detail: str = ""  # beside the name, muted: a code, a year
    url: str | None = None  # where the subject's own page is, if the reader may open it


Describer = Callable[[HumanTask], TaskSubject | None]
DESCRIBERS: list[Describer] = []


def register_task_subject(describer: Describer) -> None:
    """Ask `describer` what a task is about (the same one again is harmless)."""
    if describer not in DESCRIBERS:
        DESCRIBERS.append(describer)


def task_subject(task: HumanTask) -> TaskSubject:
    """The first registered description of `task`, else its business key as it is."""
    for describer in DESCRIBERS:
        found = describer(task)
        if found is not None:
            return found
    return TaskSubject(task.business_key)
