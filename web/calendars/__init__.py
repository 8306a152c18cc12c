"""Working calendars on the web: their API (api.py) and page (pages.py) — the years stored,
each year's month grid, and the performance division's editor — with their templates
(templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.calendars import api as calendars_api
from web.calendars import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(calendars_api.blp, url_prefix=f"{API_PREFIX}/calendars")
    app.register_blueprint(pages.bp)
