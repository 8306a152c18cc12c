"""Refuse text no database can store, wherever it arrives: path, query, form or JSON body.

PostgreSQL rejects NUL characters and UTF-8 cannot encode lone surrogates; caught here once,
they are a 422 naming the field instead of a 500 from deep inside a query.
"""

from __future__ import annotations

import json

from flask import Flask, request

from engine.errors import InvalidInput
from web.plain_text import MESSAGE, is_plain

# The largest id a BIGINT column holds: a larger one in a path can name nothing.
MAX_ID = 2**63 - 1


def init_app(app: Flask) -> None:
    app.before_request(_check_text)


def _bad(location: str, name: str) -> InvalidInput:
    # The same shape as a schema's field errors (location → field → messages), so a client reads
    # one format whichever check caught the text.
    return InvalidInput(
        f"{location} field '{name}' {MESSAGE}", errors={location: {name: [MESSAGE]}}
    )


def _check_text() -> None:
    if not is_plain(request.path):
        raise _bad("path", "path")
    for location, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            if not (is_plain(name) and is_plain(value)):
                raise _bad(location, name[:40])
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
            if not is_plain(value):
                raise _bad("json", name)
        elif isinstance(value, dict):
            for key, item in value.items():
                if not is_plain(key):
                    raise _bad("json", key[:40])
                stack.append((str(key), item))
        elif isinstance(value, list):
            stack.extend((name, item) for item in value)
