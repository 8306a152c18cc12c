"""How each task form is shown and read on the pages: a template and a parser of the posted
fields into the data the engine's form schema checks (engine/forms).

Area modules register their forms with `@page_form(name, template)` on import, or (monitoring)
with `register_page_form` from their `register`, which `web.pages.init_app` calls; a form
without its own page uses the generic one (a free comment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidInput
from engine.models import HumanTask, Project
from engine.review.queries import review_view
from web.auth import current_actor
from web.i18n import translate

Parser = Callable[[MultiDict], dict]
Context = Callable[[Session, HumanTask, Project | None], dict]


@dataclass(frozen=True)
class PageForm:
    template: str
    parse: Parser
    context: Context


PAGE_FORMS: dict[str, PageForm] = {}


def plain_fields(posted: MultiDict) -> dict:
    """Every posted field but the CSRF token, as text."""
    return {key: value for key, value in posted.items() if key != "csrf_token"}


def no_context(_session, _task, _project) -> dict:
    return {}


def register_page_form(name: str, form: PageForm) -> None:
    """Show the form `name` with `form` (the same again is harmless: each app built registers)."""
    if PAGE_FORMS.get(name, form) != form:
        raise RuntimeError(f"page form '{name}' is registered twice")
    PAGE_FORMS[name] = form


def page_form(name: str, template: str, context: Context = no_context):
    """Register the decorated parser for the form `name`, shown with `template`."""

    def register(parse: Parser) -> Parser:
        if name in PAGE_FORMS:
            raise RuntimeError(f"page form '{name}' is registered twice")
        PAGE_FORMS[name] = PageForm(template, parse, context)
        return parse

    return register


GENERIC = PageForm("forms/generic.html", plain_fields, no_context)


def page_form_for(name: str | None) -> PageForm:
    return PAGE_FORMS.get(name or "", GENERIC)


def review_context(session: Session, task: HumanTask, _project: Project | None) -> dict:
    """The document under review, what changed since its last return, earlier decisions."""
    workflow = current_app.extensions["budgetloop.workflow"]
    return {"review": review_view(session, workflow, current_actor(), task)}


@page_form("review", "forms/review.html", review_context)
def parse_review(posted: MultiDict) -> dict:
    # Nothing is chosen for the reviewer: no choice is a mistake to point at, not an approval.
    if posted.get("outcome") not in ("approve", "return"):
        message = translate("form.review.choose")
        raise InvalidInput(message, errors={translate("form.review.outcome"): message})
    return plain_fields(posted)


@page_form("revise", "forms/revise.html", review_context)
def parse_revise(posted: MultiDict) -> dict:
    return plain_fields(posted)


@page_form("target_table", "forms/target_table.html")
def parse_target_table(posted: MultiDict) -> dict:
    return {"confirmed": posted.get("confirmed") == "on"}
