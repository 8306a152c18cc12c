"""The message centre on the web: its API (api.py) and page (pages.py, with the header's
unread count), their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.notifications import api as messages_api
from web.notifications import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(messages_api.blp, url_prefix=f"{API_PREFIX}/messages")
    app.register_blueprint(pages.bp)
