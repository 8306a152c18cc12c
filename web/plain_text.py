"""Text a database can store: no NUL characters (PostgreSQL refuses them) and no lone UTF-16
surrogates (JSON allows them, UTF-8 cannot encode them)."""

from __future__ import annotations

import re

from marshmallow import ValidationError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "contains a NUL character or invalid Unicode"


def is_plain(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


def plain_text(value: str) -> None:
    """A marshmallow validator: `validate=plain_text`."""
    if not is_plain(value):
        raise ValidationError(MESSAGE)
