"""Identity on the web: logging in and out (pages.py) and its template (templates/); the words
are the shared ones (web/messages/common.json, auth.*). Tokens and sessions are read for every
request by web/auth.py."""

from __future__ import annotations

from flask import Flask

from web.api.base import BudgetloopApi
from web.identity import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    app.register_blueprint(pages.bp)
