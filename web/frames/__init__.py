"""Indicator frames on the web: their API (api.py) and page (pages.py) — the frames target
tables are filed on, each region's frame and weights per year, and the performance division's
choice — with their template (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.frames import api as frames_api
from web.frames import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(frames_api.blp, url_prefix=f"{API_PREFIX}/frames")
    app.register_blueprint(pages.bp)
