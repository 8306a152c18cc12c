"""Refuse text no database can store, wherever it arrives: path, query, form or JSON body.

PostgreSQL rejects NUL characters and UTF-8 cannot encode lone surrogates; caught here once,
they are a 422 naming the field instead of a 500 from deep inside a query.
"""

from __future__ import annotations

import json
import re

from flask import Flask, request

from engine.errors import InvalidInput

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The largest id a BIGINT column holds: a larger one in a path can name nothing.
MAX_ID = 2**63 - 1


def init_app(app: Flask) -> None:
    app.before_request(_check_text)


def _bad(where: str, name: str) -> InvalidInput:
    return InvalidInput(
        f"{where} '{name}' contains a NUL character or invalid Unicode",
        errors={name: "contains a NUL character or invalid Unicode"},
    )


def _check_text() -> None:
    if _UNSTORABLE.search(request.path):
        raise _bad("the path", "path")
    for source, values in (("the query argument", request.args), ("the form field", request.form)):
        for name, value in values.items(multi=True):
            if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
                raise _bad(source, name[:40])
    if request.is_json and request.content_length:
        _check_json(request.get_data(cache=True, as_text=False))


def _check_json(raw: bytes) -> None:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return  # the view's schema reports malformed JSON in its own words
    stack = [("body", body)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                raise _bad("the field", name)
        elif isinstance(value, dict):
            for key, item in value.items():
                if _UNSTORABLE.search(key):
                    raise _bad("the field", key[:40])
                stack.append((str(key), item))
        elif isinstance(value, list):
            stack.extend((name, item) for item in value)
