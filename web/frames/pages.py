"""The indicator-frame page: the frames side by side with their items and weights, each
region's frame per year with where its tables stand, and the performance division's choice
(a frame and the region's own level-1 weights), which moves the year's draft tables."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import frames
from engine.errors import InvalidInput
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.models import Region
from web.auth import current_actor
from web.db import get_session
from web.errors import refusal_status
from web.i18n import translate
from web.pages.views import year_value

bp = Blueprint("frames", __name__, template_folder="templates")


@bp.get("/frames")
def frames_page():
    return _render()


@bp.post("/frames")
def choose():
    session, actor = get_session(), current_actor()
    form = request.form
    region, code = form.get("region", "").strip()[:12], form.get("frame", "").strip()[:40]
    weights = {
        key.removeprefix("weight."): value.strip()[:12]
        for key, value in list(form.items())[:40]
        if key.startswith("weight.") and value.strip()
    }
    try:
        year = year_value("year", form.get("year", ""))
        if year is None:
            raise InvalidInput("the year is needed", errors={"year": "required"})
        choice, moved = frames.choose(session, actor, region, year, code, weights)
    except InvalidInput as error:
        session.rollback()
        return _render(form=form, error=error, status=refusal_status(error))
    flash(_chosen(choice, moved), "notice")
    return redirect(url_for("frames.frames_page"))


@bp.post("/frames/<region>/<int:year>/moves")
def move(region: str, year: int):
    session, actor = get_session(), current_actor()
    permissions.require(actor, Permission.WRITE_FRAMES, "moving target tables between frames")
    moved = frames.move_drafts(session, region[:12], year)
    flash(_chosen(frames.choice(session, region[:12], year), moved), "notice")
    return redirect(url_for("frames.frames_page"))


def _chosen(choice: frames.Choice, moved: int) -> str:
    return translate(
        "frames.chosen",
        region=choice.region_code,
        year=choice.year,
        frame=choice.frame.name,
        moved=moved,
        left=choice.to_move,
        kept=choice.elsewhere,
    )


def _render(*, form=None, error=None, status=200):
    session, actor = get_session(), current_actor()
    shipped = frames.filing_frames(session)
    may_write = permissions.may(actor, Permission.WRITE_FRAMES)
    page = render_template(
        "frames/frames.html",
        shipped=shipped,
        weight_items=_weight_items(shipped),
        choices=frames.on_record(session),
        regions=session.scalars(select(Region).order_by(Region.code)).all() if may_write else [],
        may_write=may_write,
        form=form or {},
        error=error,
    )
    return page, status


def _weight_items(shipped) -> list:
    """Every level-1 item with a weight in any frame, once, in the frames' order (the 2021
    frame's weights are the ones a region on it sets; the form leaves the others blank)."""
    items = {}
    for frame in reversed(shipped):
        for node in frame.nodes:
            if node.level == 1 and node.weight is not None:
                items.setdefault(node.code, node)
    return list(items.values())
