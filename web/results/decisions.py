"""The finance desk's funding-decision desk: proposed decisions with confirm, or override with a
reason; and how the `decision_confirmation` task form is shown on the task page. Both complete
the decision's task through engine.review.tasks.complete (engine/results/decisions.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidInput, NotFound
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.models.enums import DecisionKind, DecisionStatus
from engine.results.decision_batch import (
    MAX_BATCH,
    confirm_batch,
    decision_departments,
    is_reduction,
    next_year_amount,
    shown_kind,
    this_year_amount,
)
from engine.results.decisions import settle
from engine.results.queries import (
    DecisionFilter,
    get_decision,
    latest_decision_of,
    list_decisions,
)
from web.auth import current_actor
from web.db import get_session
from web.errors import refusal_status
from web.i18n import translate
from web.input_guard import MAX_LISTED_ID
from web.pages.views import int_arg, page_number, plain_digits
from web.review.task_forms import PageForm

bp = Blueprint("decisions", __name__, template_folder="templates")
GRADES = ["A", "B", "C", "D"]
# The filters a batch is chosen by; kept across every post so the desk comes back to its list.
FILTER_ARGS = ("status", "kind", "department_id", "grade", "year", "page")
# The second step of confirming a cut, cancellation or suspension.
AGAIN = "confirm_again"


@bp.app_template_global("decision_amounts")
def decision_amounts(row) -> dict:
    """This year's and next year's money of a decision, and the change, for its card."""
    this_year, next_year = this_year_amount(row), next_year_amount(row)
    return {"this_year": this_year, "next_year": next_year, "change": next_year - this_year}


bp.add_app_template_global(shown_kind, "decision_shown_kind")
bp.add_app_template_global(is_reduction, "decision_is_reduction")


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
        grade=_choice("grade", GRADES),
    )
    if where.status == "all":
        where = DecisionFilter(
            where.year, where.kind, None, None, where.department_id, grade=where.grade
        )
    page = list_decisions(session, actor, where, page_number(), 25)
    return render_template(
        "results/decisions.html",
        page=page,
        where=where,
        status_arg=request.args.get("status", "proposed"),
        kinds=[k.value for k in DecisionKind],
        grades=GRADES,
        departments=decision_departments(session, actor),
        filters=_filters(),
        may_confirm=permissions.may(actor, Permission.CONFIRM_DECISIONS),
        error=error,
        failed_id=failed_id,
        posted=request.form if error else {},
    ), status


@bp.get("/funding-decisions")
def decisions():
    return _render()


def _filters() -> dict:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _back():
    return redirect(url_for("decisions.decisions", **_filters()))


def _confirm_again(rows, action: str):
    """The second step: what confirming takes away, and a button that confirms for real."""
    return render_template(
        "results/decision_confirm_again.html",
        rows=rows,
        reductions=[row for row in rows if is_reduction(row) and row.task_id is not None],
        action=action,
        filters=_filters(),
        again=AGAIN,
    )


def _settle(decision_id: int, data: dict):
    session = get_session()
    workflow = current_app.extensions["budgetloop.workflow"]
    try:
        row, outcome = settle(session, workflow, current_actor(), decision_id, data)
    except InvalidInput as error:
        session.rollback()
        return _render(error=error, failed_id=decision_id, status=refusal_status(error))
    if outcome.ok:
        key = "decision.overridden_done" if "override_factor" in data else "decision.confirmed_done"
        flash(translate(key, project=row.project.name), "notice")
    else:
        flash(translate("task.incident", incident=outcome.incident_id), "error")
    return _back()


@bp.post("/funding-decisions/<int:decision_id>/confirm")
def confirm(decision_id: int):
    if request.form.get(AGAIN) != "1":
        row = get_decision(get_session(), current_actor(), decision_id)
        if is_reduction(row) and row.task_id is not None:
            action = url_for("decisions.confirm", decision_id=decision_id, **_filters())
            return _confirm_again([row], action)
    return _settle(decision_id, {"confirm": True})


def _posted_ids() -> list[int]:
    raw = request.form.getlist("decision_id")
    if not raw:
        raise InvalidInput("no funding decisions to confirm", errors={"decision_id": "empty"})
    if len(raw) > MAX_BATCH:
        raise InvalidInput(
            f"at most {MAX_BATCH} funding decisions at once", errors={"decision_id": "too many"}
        )
    if not all(plain_digits(value) and 0 < int(value) <= MAX_LISTED_ID for value in raw):
        raise InvalidInput("a decision id is not a number", errors={"decision_id": "invalid"})
    return list(dict.fromkeys(int(value) for value in raw))


@bp.post("/funding-decisions/confirm-batch")
def confirm_shown():
    """Confirm the decisions the desk filtered and saw, each by its own command."""
    session, actor = get_session(), current_actor()
    ids = _posted_ids()
    if request.form.get(AGAIN) != "1":
        rows = []
        for decision_id in ids:
            try:
                rows.append(get_decision(session, actor, decision_id))
            except NotFound:
                continue  # reported with the batch, like any other refusal
        if any(is_reduction(row) and row.task_id is not None for row in rows):
            return _confirm_again(rows, url_for("decisions.confirm_shown", **_filters()))
    items = confirm_batch(session, current_app.extensions["budgetloop.workflow"], actor, ids)
    return render_template(
        "results/decision_batch.html",
        items=items,
        confirmed=sum(item.outcome == "confirmed" for item in items),
        filters=_filters(),
    )


@bp.post("/funding-decisions/<int:decision_id>/override")
def override(decision_id: int):
    return _settle(decision_id, parse_confirmation(request.form, override=True))


def parse_confirmation(posted: MultiDict, override: bool | None = None) -> dict:
    """The posted answer as the form schema reads it (engine/results/forms.py)."""
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


def parse_decision_confirmation(posted: MultiDict) -> dict:
    data = parse_confirmation(posted)
    # The task page's form marks a cut, cancellation or suspension (`reduction`): confirming
    # one needs the box ticked that says so, as the desk's page asks a second time.
    if "confirm" in data and posted.get("reduction") == "1" and posted.get(AGAIN) != "1":
        message = translate("decision.again.required")
        raise InvalidInput(message, errors={translate("decision.again.field"): message})
    return data


PAGE_FORMS = {
    "decision_confirmation": PageForm(
        "forms/decision_confirmation.html", parse_decision_confirmation, _task_context
    ),
}
