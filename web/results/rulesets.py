"""The rule-set page: versions, one read aloud, edited as a new version, simulated against a
year's decisions (what would change, by department and in total)."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.errors import InvalidInput
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.results.queries import (
    default_region,
    get_rule_set,
    latest_decision_year,
    list_rule_sets,
)
from engine.results.ruleset_edits import create_version, decode, simulate
from rules import default_ruleset
from web.auth import current_actor
from web.db import get_session
from web.errors import refusal_status
from web.i18n import translate
from web.pages.views import int_arg, page_number, year_value
from web.results.ruleset_text import readable, rule_description, rule_label

bp = Blueprint("rulesets", __name__, template_folder="templates")
# Rule names and descriptions in the page's language wherever rules are listed.
bp.add_app_template_global(rule_label)
bp.add_app_template_filter(rule_label)
bp.add_app_template_global(rule_description)


def _pretty(body) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2, default=str)


def _year(name: str) -> int | None:
    return year_value(name, request.form.get(name, "").strip())


def _render(*, selected_id=None, text=None, error=None, whatif=None, sim_year=None, status=200):
    session, actor = get_session(), current_actor()
    versions = list_rule_sets(session, actor, None, None, page_number(), 20, "-id")
    selected = get_rule_set(session, actor, selected_id) if selected_id else None
    if selected is None and versions.items:
        selected = versions.items[0]
    body = selected.body if selected is not None else json.loads(default_ruleset().to_json())
    problems = (error.errors.get("problems") or []) if error is not None else []
    by_rule: dict[str, list[dict]] = {}
    for problem in problems:
        by_rule.setdefault(problem.get("rule") or "", []).append(problem)
    page = render_template(
        "results/rulesets.html",
        versions=versions,
        selected=selected,
        rules=readable(body),
        text=text if text is not None else _pretty(body),
        error=error,
        problems_by_rule=by_rule,
        whatif=whatif,
        sim_year=sim_year or latest_decision_year(session),
        may_write=permissions.may(actor, Permission.WRITE_RULESETS),
    )
    return page, status


@bp.get("/rule-sets")
def rulesets():
    return _render(selected_id=int_arg("id"))


@bp.post("/rule-sets/simulate")
def simulate_candidate():
    session, actor = get_session(), current_actor()
    text = request.form.get("body", "")
    selected_id = int_arg("id")
    try:
        year = _year("year") or latest_decision_year(session)
        if year is None:
            raise InvalidInput(translate("rules.no_decisions"), errors={"year": "required"})
        region = request.form.get("region") or default_region(session, year) or ""
        result = simulate(session, actor, decode(text), region=region, year=year)
    except InvalidInput as error:
        session.rollback()
        status = refusal_status(error)
        return _render(selected_id=selected_id, text=text, error=error, status=status)
    return _render(selected_id=selected_id, text=text, whatif=result, sim_year=year)


@bp.post("/rule-sets")
def create():
    session, actor = get_session(), current_actor()
    text = request.form.get("body", "")
    selected_id = int_arg("id")
    try:
        year = _year("for_year")
        if year is None:
            raise InvalidInput(translate("rules.year_required"), errors={"for_year": "required"})
        region = request.form.get("region") or default_region(session, year) or ""
        row = create_version(session, actor, decode(text), region=region, year=year)
    except InvalidInput as error:
        session.rollback()
        status = refusal_status(error)
        return _render(selected_id=selected_id, text=text, error=error, status=status)
    flash(translate("rules.saved", version=row.version, name=row.name), "notice")
    return redirect(url_for("rulesets.rulesets", id=row.id))
