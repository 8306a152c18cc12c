"""The finance desk's funding-decision desk: proposed decisions with confirm, or override with a
reason; and how the `decision_confirmation` task form is shown on the task page. Both complete
the decision's task through engine.tasks.complete (engine/decisions.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from engine.decisions import settle
from engine.errors import InvalidInput
from engine.models.enums import DecisionKind, DecisionStatus
from engine.queries.results import (
    CONFIRMERS,
    DecisionFilter,
    latest_decision_of,
    list_decisions,
)
from web.auth import current_actor
from web.db import get_session
from web.i18n import translate
from web.pages.task_forms import page_form
from web.pages.views import int_arg, page_number

bp = Blueprint("decisions", __name__)


def _choice(name: str, allowed: list[str], default: str | None = None) -> str | None:
    raw = request.args.get(name, default if default is not None else "")
    if raw == "":
        return None
    if raw not in allowed:
        raise InvalidInput(
            f"{name} {raw!r} is not one of {', '.join(allowed)}", errors={name: "invalid"}
        )
    return raw


def _render(error=None, failed_id=None, status=200):
    session, actor = get_session(), current_actor()
    where = DecisionFilter(
        year=int_arg("year"),
        kind=_choice("kind", [k.value for k in DecisionKind]),
        status=_choice("status", [s.value for s in DecisionStatus] + ["all"], "proposed"),
        department_id=int_arg("department_id"),
    )
    if where.status == "all":
        where = DecisionFilter(where.year, where.kind, None, None, where.department_id)
    page = list_decisions(session, actor, where, page_number(), 25)
    return render_template(
        "results/decisions.html",
        page=page,
        where=where,
        status_arg=request.args.get("status", "proposed"),
        kinds=[k.value for k in DecisionKind],
        may_confirm=actor.operator or actor.role in CONFIRMERS,
        error=error,
        failed_id=failed_id,
        posted=request.form if error else {},
    ), status


@bp.get("/funding-decisions")
def decisions():
    return _render()


def _back():
    return redirect(url_for("decisions.decisions", **request.args.to_dict()))


def _settle(decision_id: int, data: dict):
    session = get_session()
    workflow = current_app.extensions["budgetloop.workflow"]
    try:
        row, outcome = settle(session, workflow, current_actor(), decision_id, data)
    except InvalidInput as error:
        session.rollback()
        return _render(error=error, failed_id=decision_id, status=422)
    if outcome.ok:
        key = "decision.overridden_done" if "override_factor" in data else "decision.confirmed_done"
        flash(translate(key, project=row.project.name), "notice")
    else:
        flash(translate("task.incident", incident=outcome.incident_id), "error")
    return _back()


@bp.post("/funding-decisions/<int:decision_id>/confirm")
def confirm(decision_id: int):
    return _settle(decision_id, {"confirm": True})


@bp.post("/funding-decisions/<int:decision_id>/override")
def override(decision_id: int):
    return _settle(decision_id, parse_confirmation(request.form, override=True))


def parse_confirmation(posted: MultiDict, override: bool | None = None) -> dict:
    """The posted answer as the form schema reads it (engine/forms/results.py)."""
    if override is None:
        override = posted.get("answer") == "override"
    if not override:
        return {"confirm": True}
    return {
        # Blank stays blank so that the schema reports the factor as missing.
        "override_factor": posted.get("override_factor", "").strip(),
        "override_reason": posted.get("override_reason", ""),
    }


def _task_context(session, task, project) -> dict:
    return {"decision": latest_decision_of(session, project.id) if project else None}


@page_form("decision_confirmation", "forms/decision_confirmation.html", _task_context)
def parse_decision_confirmation(posted: MultiDict) -> dict:
    return parse_confirmation(posted)
