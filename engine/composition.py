"""The composition root: the workflow engine with the cycle's operations and a clock.

`AREAS` lists the areas of the cycle. Each has a `register(operations)` function of its own that
adds its service operations, its task forms and (monitoring) its alert families, here, when an
engine is built: nothing registers on import. A new area is a package with `register` and its
line in `AREAS`.
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.catalogue import Catalogue
from bpmn.xml import Source
from engine import (
    department,
    evaluation,
    identity,
    monitoring,
    rectification,
    results,
    review,
    targets,
)
from engine.actors import Actor
from engine.errors import DefinitionRejected
from engine.models import ProcessDefinition
from engine.workflow.data_limits import data_limits
from engine.workflow.definitions import Deployed, deploy
from engine.workflow.live_workflows import LiveWorkflows
from engine.workflow.operations import OperationRegistry
from engine.workflow.runtime import WorkflowEngine

AREAS = (identity, targets, review, monitoring, evaluation, rectification, results, department)


def register_areas() -> OperationRegistry:
    """Every operation the shipped processes call, with each area's forms and alert families.

    Registering is idempotent, so each engine built (and each command that computes alerts
    without one) runs it.
    """
    registry = OperationRegistry()
    for area in AREAS:
        area.register(registry)
    return registry


def build_engine(clock=None, *, prune: bool = True, live: bool = True) -> WorkflowEngine:
    """A workflow engine for this process (build one per process and keep it: it caches specs
    and the workflows it ran last). `prune=False, live=False` is the engine as it was before
    issue 12: finished subprocesses kept in the saved state, every state read from its row
    (only to compare the two)."""
    data_limits()  # a wrong limit in the environment stops here, before any work
    return WorkflowEngine(
        register_areas(), clock=clock, prune=prune, live=None if live else LiveWorkflows(0)
    )


def shipped_sources() -> list[Source]:
    """The process definitions that ship with the product (bpmn/definitions)."""
    folder = resources.files("bpmn").joinpath("definitions")
    return [
        Source(entry.name, entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".bpmn", ".dmn"))
    ]


def deploy_shipped(session: Session, engine: WorkflowEngine, actor: Actor) -> list[Deployed]:
    """Deploy the shipped definitions whose keys have no version yet.

    A key a finance department has already deployed (perhaps edited) is left alone: upgrading
    the software never overwrites a configured approval flow.
    """
    keys = set(session.scalars(select(ProcessDefinition.key)))
    sources = shipped_sources()
    problems: list = []
    parsed = Catalogue(sources, problems).files
    if problems:
        raise DefinitionRejected(problems)
    missing = [source for source in sources if parsed[source.name].key not in keys]
    if not missing:
        return []
    return deploy(session, missing, actor, engine.operations.names())
