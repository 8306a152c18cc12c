"""A project's cycle on the web: the projects' and organisations' API (api.py), the projects
list and a project's history (pages.py), and beside them their templates (templates/) and text
(messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.cycle import api as projects
from web.cycle import pages, trends_api  # noqa: F401  (trends_api adds its routes to blp)


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(projects.blp, url_prefix=API_PREFIX)
    app.register_blueprint(pages.bp)
