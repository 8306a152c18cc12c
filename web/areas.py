"""The web by area of the engine (docs/architecture.md): each package holds its API, its pages,
their templates (`templates/`, found by the same names as ever: `targets/editor.html`) and
their messages (`messages/*.json`) side by side, and registers them in its
`init_app(app, api)`. Nothing registers on import.

The order is the order the areas' API blueprints are registered in, and so the order of the
OpenAPI document's paths and tags: a new area goes where its operations should be listed.
Operators (the audit log and incidents) are listed after rectification, as they always were.
"""

from __future__ import annotations

from flask import Flask

from web import (
    calendars,
    cycle,
    department,
    evaluation,
    frames,
    identity,
    monitoring,
    notifications,
    operations,
    rectification,
    results,
    review,
    targets,
    workflow,
)
from web.api.base import BudgetloopApi

WEB_AREAS = (
    targets,
    workflow,
    cycle,
    review,
    evaluation,
    rectification,
    operations,
    monitoring,
    results,
    department,
    calendars,
    frames,
    notifications,
    identity,
)


def init_app(app: Flask, api: BudgetloopApi) -> None:
    for area in WEB_AREAS:
        area.init_app(app, api)
