"""The approval-flow pages: deployed definitions by key, and one opened in the bpmn-js modeller.

The modeller page is a shell: web/static/js/modeller.js fetches the definition's XML from the
API, validates it there and deploys it as a new version (with the session cookie and the CSRF
header), so the browser and API clients go through the same checks.
"""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template
from sqlalchemy import select

from engine.errors import NotFound
from engine.forms import FORMS
from engine.identity.permissions import Permission
from engine.models import ProcessDefinition
from engine.workflow.definitions import ROLES
from web.auth import require
from web.db import get_session

bp = Blueprint("modeller", __name__, template_folder="templates")
# Only the performance division maintains the approval flows.


@bp.get("/processes")
def definitions():
    require(Permission.EDIT_PROCESSES)
    # Only the columns the list shows: a definition's source can be large.
    rows = get_session().execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.version,
            ProcessDefinition.kind,
            ProcessDefinition.file_name,
            ProcessDefinition.deployed_by,
            ProcessDefinition.deployed_at,
        ).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    )
    keys = [(key, list(versions)) for key, versions in groupby(rows, key=lambda row: row.key)]
    return render_template("modeller/definitions.html", keys=keys)


@bp.get("/processes/<int:definition_id>")
def edit(definition_id: int):
    require(Permission.EDIT_PROCESSES)
    definition = get_session().get(ProcessDefinition, definition_id)
    if definition is None or definition.kind != "bpmn":
        raise NotFound(f"no BPMN process definition {definition_id}")
    latest = get_session().scalar(
        select(ProcessDefinition.version)
        .where(ProcessDefinition.key == definition.key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    return render_template(
        "modeller/edit.html",
        definition=definition,
        latest=latest,
        roles=sorted(ROLES),
        forms=sorted(FORMS),
    )
