"""The API's JSON keeps its key order: sorted, as Flask's JSON provider does by default.

The app used to set JSON_SORT_KEYS=False, a setting Flask 3 no longer reads (its provider's
`sort_keys` is the real one): the keys were sorted all along, and clients see them so."""

from __future__ import annotations

import json


def test_answers_have_their_keys_sorted(app, client):
    assert app.json.sort_keys is True
    assert "JSON_SORT_KEYS" not in app.config
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == 401
    assert list(json.loads(refused.text)) == ["code", "errors", "message", "status"]
    health = client.get("/healthz")
    keys = list(json.loads(health.text))
    assert keys == sorted(keys) and len(keys) >= 3
