"""The user's language: Chinese (zh-CN) by default, English on request (?lang=en, remembered;
an API client with a token may also send Accept-Language).

Messages live in JSON files, each key with both languages: the shared ones in
`web/messages/*.json`, and each web area's beside its pages in `web/<area>/messages/*.json`
(web/areas.py). They are merged into one catalogue in the order of their file names, as when
they shared one folder; a key missing a language, or defined twice (in any two files), stops
the app at start-up, naming the file by its path under web/.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, request

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "lang"
WEB_DIR = Path(__file__).parent
# The shared messages (what the server says before any app exists reads these alone).
CATALOGUE_DIR = WEB_DIR / "messages"


def catalogue_files(web_dir: Path = WEB_DIR) -> list[Path]:
    """The shared message files and every web area's, by file name (then path)."""
    paths = [*web_dir.glob("messages/*.json"), *web_dir.glob("*/messages/*.json")]
    return sorted(paths, key=lambda path: (path.name, path.relative_to(web_dir).as_posix()))


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, merged from the shared files and the areas'."""
    return merged_catalogue(catalogue_files())


def merged_catalogue(paths: list[Path], web_dir: Path = WEB_DIR) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    found_in: dict[str, str] = {}
    for path in paths:
        where = path.relative_to(web_dir).as_posix()
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                first = found_in[key]
                raise RuntimeError(f"{where}: message '{key}' is defined twice (also in {first})")
            missing = [lang for lang in LANGUAGES if not entry.get(lang)]
            if missing:
                raise RuntimeError(f"{where}: message '{key}' lacks {', '.join(missing)}")
            merged[key] = entry
            found_in[key] = where
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
