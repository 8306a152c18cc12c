"""The public disclosure page: disclosed projects with their targets and grades; no login."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, render_template, request

from engine.errors import InvalidInput
from engine.results.queries import DisclosureFilter, disclosure_choices, list_disclosures
from web.db import get_session
from web.pages.views import int_arg, page_number

bp = Blueprint("disclosure", __name__, template_folder="templates")


@bp.get("/disclosure")
def public():
    session = get_session()
    q = request.args.get("q", "").strip()
    if len(q) > 100:
        raise InvalidInput("the search text is too long", errors={"q": "too long"})
    where = DisclosureFilter(
        year=int_arg("year"), department_id=int_arg("department_id"), q=q or None
    )
    page = list_disclosures(session, where, page_number(), 20, "code")
    departments, years = disclosure_choices(session)
    return render_template(
        "results/disclosure.html",
        page=page,
        where=where,
        departments=departments,
        years=years,
        plain=plain_number,
    )


def plain_number(text) -> str:
    """'100.0000' → '100', '99.4000' → '99.4': targets as people write them."""
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return "" if text is None else str(text)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value.normalize()}"
