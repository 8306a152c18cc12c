"""Refuse input no view should ever see, wherever it arrives: path, query, form or JSON body.

- Text no database can store: PostgreSQL rejects NUL characters and UTF-8 cannot encode lone
  surrogates; caught here once, they are a 422 naming the field instead of a 500 from deep inside
  a query.
- Numbers Python will not read: a run of more than `MAX_DIGITS` digits (the interpreter's own
  limit for `int()`, 4,300) is a 422 naming the field, not a `ValueError` in a view.
- JSON nested more than `MAX_DEPTH` levels deep: refused before anything parses it, since
  every parser of a body (json, marshmallow, the workflow's task data) walks it recursively.
"""

from __future__ import annotations

import json
import re
import sys

from flask import Flask, request

from engine.errors import InvalidInput
from web.plain_text import MESSAGE, is_plain

# The largest id a row has: the id columns are INTEGER, 32 bits on PostgreSQL, where a larger
# one cannot even be bound to the comparison (the driver's error was a 500). A larger id in a
# path names nothing (404); in a query string or body it is invalid (422).
MAX_ID = 2**31 - 1
# Ids in a batch (tasks to review, decisions to confirm, messages read) are answered one by one:
# an id past the columns is that item's "not found", not a refusal of the whole batch.
MAX_LISTED_ID = 2**62
# No form or document of budgetloop nests anywhere near this deep.
MAX_DEPTH = 64
# The interpreter's limit on the digits `int()` reads (4,300 unless configured otherwise).
MAX_DIGITS = sys.get_int_max_str_digits() or 4300

DEPTH_MESSAGE = f"nested more than {MAX_DEPTH} levels deep"
DIGITS_MESSAGE = f"more than {MAX_DIGITS} digits"

# A run of more digits than `int()` reads; the look-behind makes the search linear.
_LONG_NUMBER = re.compile(rf"(?<!\d)\d{{{MAX_DIGITS + 1}}}")
# JSON strings (whose brackets are text), then everything that is not a bracket.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def init_app(app: Flask) -> None:
    app.before_request(_check_text)


def _bad(location: str, name: str) -> InvalidInput:
    # The same shape as a schema's field errors (location → field → messages), so a client reads
    # one format whichever check caught the text.
    return InvalidInput(
        f"{location} field '{name}' {MESSAGE}", errors={location: {name: [MESSAGE]}}
    )


def _too_long(location: str, name: str) -> InvalidInput:
    return InvalidInput(
        f"{location} field '{name}' has {DIGITS_MESSAGE}",
        errors={location: {name: [DIGITS_MESSAGE]}},
        key="too_many_digits",
        params={"location": location, "name": name, "limit": MAX_DIGITS},
    )


def _check_value(location: str, name: str, value: str) -> None:
    if not (is_plain(name) and is_plain(value)):
        raise _bad(location, name[:40])
    if _LONG_NUMBER.search(name) or _LONG_NUMBER.search(value):
        raise _too_long(location, name[:40])


def _check_text() -> None:
    if not is_plain(request.path):
        raise _bad("path", "path")
    if _LONG_NUMBER.search(request.path):
        raise _too_long("path", "path")
    for location, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            _check_value(location, name, value)
    if request.is_json:
        # Whether or not the client said how long the body is (chunked bodies say nothing).
        raw = request.get_data(cache=True, as_text=False)
        if raw:
            _check_json(raw)


class _LongNumber(str):
    """A JSON number literal with more digits than `int()` reads (found by the walk below)."""


def _read_int(literal: str) -> int | _LongNumber:
    if len(literal.lstrip("-")) > MAX_DIGITS:
        return _LongNumber(literal)
    return int(literal)


def _check_json(raw: bytes) -> None:
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except (UnicodeDecodeError, LookupError):
        return  # the view's schema reports malformed JSON in its own words
    if _too_deep(text):
        raise InvalidInput(
            f"the JSON body is {DEPTH_MESSAGE}",
            errors={"json": {"body": [DEPTH_MESSAGE]}},
            key="json_too_deep",
            params={"limit": MAX_DEPTH},
        )
    try:
        body = json.loads(text, parse_int=_read_int)
    except (ValueError, RecursionError):
        return  # the view's schema reports malformed JSON in its own words
    stack = [("body", body)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, _LongNumber):
            raise _too_long("json", name[:40])
        if isinstance(value, str):
            _check_value("json", name[:40], value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_value("json", key[:40], "")
                stack.append((str(key), item))
        elif isinstance(value, list):
            stack.extend((name, item) for item in value)


def _too_deep(text: str) -> bool:
    """Whether the JSON text nests arrays and objects more than `MAX_DEPTH` deep (no recursion)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for char in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False
