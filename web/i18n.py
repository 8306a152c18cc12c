"""The user's language: Chinese (zh-CN) by default, English on request (?lang=en, remembered;
an API client with a token may also send Accept-Language).

Messages live in `web/messages/*.json`, one file per area of the UI, each key with both
languages; a key missing a language, or defined twice, stops the app at start-up.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, request

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "lang"
CATALOGUE_DIR = Path(__file__).parent / "messages"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, merged from the per-area files."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise RuntimeError(f"{path.name}: message '{key}' is defined twice")
            missing = [lang for lang in LANGUAGES if not entry.get(lang)]
            if missing:
                raise RuntimeError(f"{path.name}: message '{key}' lacks {', '.join(missing)}")
            merged[key] = entry
    return merged


def init_app(app: Flask) -> None:
    catalogue()
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["has_message"] = lambda key: key in catalogue()


def current_language() -> str:
    return g.get("lang", DEFAULT)


def translate(key: str, **params) -> str:
    """The message for `key` in the request's language, with `{name}` params filled in."""
    text = catalogue()[key][current_language()]
    return text.format(**params) if params else text


def _choose_language() -> None:
    asked = request.args.get("lang") or request.cookies.get(COOKIE) or _api_client_language()
    g.lang = asked if asked in LANGUAGES else DEFAULT


def _api_client_language() -> str | None:
    """An API client with a token says its language in Accept-Language. A page's own calls
    (session cookie) speak the page's language, whatever the browser's settings say."""
    if not request.path.startswith("/api/") or "Authorization" not in request.headers:
        return None
    return request.accept_languages.best_match(LANGUAGES)


def _remember_language(response):
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(
            COOKIE,
            request.args["lang"],
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response
