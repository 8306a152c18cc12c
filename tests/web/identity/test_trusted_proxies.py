"""Behind a proxy: the client address a login failure is counted under comes from
X-Forwarded-For only when the operator says how many proxies to trust, never by default."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from engine.identity.logins import FAILED
from engine.models import AuditEvent
from tests.web.conftest import csrf
from web.server import TRUSTED_PROXIES_VAR, served_app, trusted_proxies

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "Accept": "text/html"}


@pytest.fixture
def serve(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("BUDGETLOOP_SECRET_KEY", "proxies")
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path))
    apps = []

    def build(proxies: str | None):
        if proxies is None:
            monkeypatch.delenv(TRUSTED_PROXIES_VAR, raising=False)
        else:
            monkeypatch.setenv(TRUSTED_PROXIES_VAR, proxies)
        apps.append(served_app())
        return apps[-1]

    yield build
    for app in apps:
        app.extensions["budgetloop.engine"].dispose()


def _failed_login_actor(app, database_url: str) -> str:
    client = app.test_client()
    client.get("/login", headers=FORWARDED)
    data = {"login": "nobody-here", "password": "wrong", "csrf_token": csrf(client)}
    client.post("/login", data=data, headers=FORWARDED)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        actor = connection.scalars(
            select(AuditEvent.actor)
            .where(AuditEvent.action == FAILED)
            .order_by(AuditEvent.seq.desc())
        ).first()
    engine.dispose()
    return actor


def test_forwarded_for_is_ignored_by_default(serve, database_url):
    assert _failed_login_actor(serve(None), database_url) == "anonymous@127.0.0.1"


def test_one_trusted_proxy_gives_the_client_address(serve, database_url):
    assert _failed_login_actor(serve("1"), database_url) == "anonymous@203.0.113.7"


@pytest.mark.parametrize("raw", ["-1", "6", "one", "١"])
def test_a_bad_setting_stops_the_server_with_a_message(monkeypatch, raw):
    monkeypatch.setenv(TRUSTED_PROXIES_VAR, raw)
    with pytest.raises(SystemExit, match="whole number from 0 to 5"):
        trusted_proxies()
