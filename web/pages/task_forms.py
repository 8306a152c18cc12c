"""How each task form is shown and read on the pages: a template and a parser of the posted
fields into the data the engine's form schema checks (engine/forms).

Area modules register their forms with `@page_form(name, template)`; a form without its own
page uses the generic one (a free comment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine.models import HumanTask, Project

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


@page_form("review", "forms/review.html")
def parse_review(posted: MultiDict) -> dict:
    return plain_fields(posted)


@page_form("revise", "forms/revise.html")
def parse_revise(posted: MultiDict) -> dict:
    return plain_fields(posted)


@page_form("target_table", "forms/target_table.html")
def parse_target_table(posted: MultiDict) -> dict:
    return {"confirmed": posted.get("confirmed") == "on"}
