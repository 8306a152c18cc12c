"""Server-rendered pages, one blueprint per area; `init_app` registers those that exist."""

from __future__ import annotations

from flask import Flask

from web.pages import (
    allocations,
    api_reference,
    dashboard,
    decisions,
    disclosure,
    evaluations,
    home,
    login,
    modeller,
    monitoring_forms,
    nav,
    operations,
    projects,
    rectification,
    rulesets,
    targets,
    task_extras,
    tasks,
)

BLUEPRINTS = [
    home.bp,
    login.bp,
    api_reference.bp,
    tasks.bp,
    task_extras.bp,
    evaluations.bp,
    rectification.bp,
    allocations.bp,
    rulesets.bp,
    disclosure.bp,
    decisions.bp,
    modeller.bp,
    operations.bp,
    projects.bp,
    targets.bp,
    dashboard.bp,
]


# Areas whose task forms register explicitly here (the others still register on import).
AREA_FORMS = [monitoring_forms]


def init_app(app: Flask) -> None:
    for area in AREA_FORMS:
        area.register()
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    nav.init_app(app)
