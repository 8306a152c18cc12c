"""How each task form is shown and read on the pages: a template and a parser of the posted
fields into the data the engine's form schema checks (engine/forms).

Each web area lists its forms in a `PAGE_FORMS` dict (name → PageForm) and registers them from
its `init_app` (web/areas.py), never on import; a form without its own page uses the generic one
(a free comment).
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


def register_page_forms(forms: dict[str, PageForm]) -> None:
    """Show each of an area's forms (its `PAGE_FORMS`) on the task page."""
    for name, form in forms.items():
        register_page_form(name, form)


GENERIC = PageForm("forms/generic.html", plain_fields, no_context)


def page_form_for(name: str | None) -> PageForm:
    return PAGE_FORMS.get(name or "", GENERIC)


def review_context(session: Session, task: HumanTask, _project: Project | None) -> dict:
    """The document under review, what changed since its last return, earlier decisions."""
    workflow = current_app.extensions["budgetloop.workflow"]
    return {"review": review_view(session, workflow, current_actor(), task)}


def parse_review(posted: MultiDict) -> dict:
    # Nothing is chosen for the reviewer: no choice is a mistake to point at, not an approval.
    if posted.get("outcome") not in ("approve", "return"):
        message = translate("form.review.choose")
        raise InvalidInput(message, errors={translate("form.review.outcome"): message})
    return plain_fields(posted)


def parse_revise(posted: MultiDict) -> dict:
    return plain_fields(posted)


# The review area's own forms: a reviewer's decision, and the unit's revision after a return.
REVIEW_FORMS = {
    "review": PageForm("forms/review.html", parse_review, review_context),
    "revise": PageForm("forms/revise.html", parse_revise, review_context),
}
