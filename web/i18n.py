"""The user's language: Chinese (zh-CN) by default, English on request (?lang=en, remembered)."""

from __future__ import annotations

from flask import Flask, g, request

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"zh-CN": "预算绩效全过程管理", "en": "Budget performance management"},
    "app.tagline": {
        "zh-CN": "绩效目标申报、运行监控、绩效评价、整改与结果应用，一个闭环。",
        "en": "Targets, monitoring, evaluation, rectification and results: one closed loop.",
    },
    "nav.api": {"zh-CN": "接口文档 (OpenAPI)", "en": "API (OpenAPI)"},
    "nav.health": {"zh-CN": "运行状态", "en": "Health"},
    "lang.switch": {"zh-CN": "English", "en": "中文"},
}


def init_app(app: Flask) -> None:
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["current_language"] = lambda: g.get("lang", DEFAULT)


def translate(key: str) -> str:
    """The message for `key` in the request's language."""
    entry = MESSAGES[key]
    return entry.get(g.get("lang", DEFAULT), entry[DEFAULT])


def _choose_language() -> None:
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    g.lang = asked if asked in LANGUAGES else DEFAULT


def _remember_language(response):
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, request.args["lang"], samesite="Lax", httponly=True)
    return response
