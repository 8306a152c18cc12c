"""Operators' pages: the audit log (with the chain's verification) and incidents."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine import audit
from engine.errors import InvalidInput
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.workflow.operator_queries import (
    INCIDENT_STATUSES,
    AuditFilters,
    audit_actions,
    audit_events,
    get_incident,
    incidents,
)
from web.auth import require
from web.db import get_session
from web.i18n import translate
from web.operations.audit_text import action_label, object_label, payload_lines
from web.pages.views import page_number
from web.plain_text import MESSAGE, is_plain

bp = Blueprint("operations", __name__, template_folder="templates")
# The people reading these pages work in China: dates and times are Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")
TEXT_FILTERS = {"action": 60, "object_type": 40, "object_id": 60, "actor": 100}


bp.add_app_template_global(action_label)
bp.add_app_template_global(object_label)
bp.add_app_template_global(payload_lines)


@bp.app_template_filter("beijing")
def beijing(moment: datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@bp.get("/audit", endpoint="audit")
def audit_log():
    require(Permission.READ_OPERATIONS)
    values = {name: _text_arg(name, size) for name, size in TEXT_FILTERS.items()}
    since, until = _date_arg("from"), _date_arg("to")
    filters = AuditFilters(
        **values,
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1)) if until else None,
    )
    session = get_session()
    page = audit_events(session, filters, page_number(), 50, "-seq")
    return render_template(
        "operations/audit.html", page=page, actions=audit_actions(session), values=values
    )


@bp.get("/audit/verify")
def audit_verify():
    """The chain's verification as a fragment, loaded after the list (it reads every event)."""
    require(Permission.READ_OPERATIONS)
    return render_template("operations/_verify.html", report=audit.verify(get_session()))


@bp.get("/incidents", endpoint="incidents")
def incidents_list():
    require(Permission.READ_OPERATIONS)
    status = request.args.get("status", "open")
    if status not in INCIDENT_STATUSES:
        raise InvalidInput(f"status {status!r} is unknown", errors={"status": "invalid"})
    page = incidents(get_session(), status, page_number(), 25)
    return render_template("operations/incidents.html", page=page, status=status)


@bp.get("/incidents/<int:incident_id>")
def incident(incident_id: int):
    actor = require(Permission.READ_OPERATIONS)
    return render_template(
        "operations/incident.html",
        item=get_incident(get_session(), incident_id),
        may_act=permissions.may(actor, Permission.OPERATE),
    )


@bp.post("/incidents/<int:incident_id>/retry")
def retry(incident_id: int):
    actor = require(Permission.OPERATE)
    workflow = current_app.extensions["budgetloop.workflow"]
    outcome = workflow.retry_incident(get_session(), incident_id, actor)
    if outcome.ok:
        flash(translate("ops.retried", id=incident_id), "notice")
    else:
        flash(translate("ops.retry_failed", id=incident_id), "error")
    return redirect(url_for("operations.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/resolve")
def resolve(incident_id: int):
    actor = require(Permission.OPERATE)
    note = request.form.get("note", "")
    if len(note) > 2000:
        raise InvalidInput("the note is longer than 2000 characters", errors={"note": "too long"})
    if not is_plain(note):
        raise InvalidInput(f"the note {MESSAGE}", errors={"note": "invalid"})
    workflow = current_app.extensions["budgetloop.workflow"]
    workflow.resolve_incident(get_session(), incident_id, actor, note)
    flash(translate("ops.resolved", id=incident_id), "notice")
    return redirect(url_for("operations.incident", incident_id=incident_id))


def _text_arg(name: str, size: int) -> str | None:
    value = request.args.get(name, "").strip()
    if len(value) > size:
        raise InvalidInput(f"{name} is longer than {size} characters", errors={name: "too long"})
    if not is_plain(value):
        raise InvalidInput(f"{name} {MESSAGE}", errors={name: "invalid"})
    return value or None


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} {raw!r} is not a date", errors={name: "invalid"}) from None
    if not 1900 <= day.year <= 2200:
        raise InvalidInput(f"{name} {raw!r} is out of range", errors={name: "invalid"})
    return day


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=BEIJING) if day else None
