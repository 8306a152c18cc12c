"""Result application on the web: the rule sets' API (rulesets_api.py) and the decisions',
allocations' and disclosures' (results_api.py); the pages for allocations, funding decisions
(with the confirmation task form), the public disclosure and rule sets (read aloud by
ruleset_text.py); and beside them their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.results import allocations, decisions, disclosure, results_api, rulesets, rulesets_api
from web.review.task_forms import register_page_forms


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(rulesets_api.blp, url_prefix=f"{API_PREFIX}/rule-sets")
    api.register_blueprint(results_api.blp, url_prefix=API_PREFIX)
    api.register_blueprint(results_api.public, url_prefix=f"{API_PREFIX}/disclosures")
    for blueprint in (allocations.bp, rulesets.bp, disclosure.bp, decisions.bp):
        app.register_blueprint(blueprint)
    register_page_forms(decisions.PAGE_FORMS)
