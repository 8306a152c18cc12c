"""Process definitions on the web: their API (api.py, with deployment problems said in the
user's language by definition_problems.py), the modeller's pages (pages.py), and beside them
their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.workflow import api as processes
from web.workflow import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(processes.blp, url_prefix=f"{API_PREFIX}/process-definitions")
    app.register_blueprint(pages.bp)
