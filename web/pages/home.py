"""The home page: what the product is, and where each role starts."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/favicon.ico")
def favicon():
    """The tab's icon for clients that ask at the conventional address (pages link the SVG):
    without it every visit logged a 404 in the browser's console."""
    return current_app.send_static_file("favicon.svg"), 200, {"Content-Type": "image/svg+xml"}
