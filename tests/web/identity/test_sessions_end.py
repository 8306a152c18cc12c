"""Sessions end: logout, a new password and deactivation end every session of the user at once;
API tokens expire and can be revoked; over TLS the cookie is Secure and HSTS is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from engine.models import ApiToken, AuditEvent, User
from engine.models.types import utcnow
from tests.support.world import PASSWORD
from tests.web.conftest import csrf
from web import create_app
from web.cli import cli

HTML = {"Accept": "text/html"}
COOKIE = "budgetloop_session"


def _copy(client, world_app):
    """A second browser holding a copy of `client`'s session cookie."""
    other = world_app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return other


def _works(client) -> bool:
    """Whether the client's session still authenticates (the API answers it, not 401)."""
    response = client.get("/api/v1/tasks/")
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def _budgetloop(world_app, tmp_path, *args):
    env = {
        "BUDGETLOOP_DATABASE_URL": world_app.config["DATABASE_URL"],
        "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _count(world_app, action: str) -> int:
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        return connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def test_logout_ends_a_copied_cookie_and_every_other_session(login, world_app, world):
    first = login("unit")
    stolen = _copy(first, world_app)
    # The same user in another browser, logged in on its own.
    second = world_app.test_client()
    second.get("/login")
    response = second.post(
        "/login",
        data={"login": world["unit"].login, "password": PASSWORD, "csrf_token": csrf(second)},
    )
    assert response.status_code == 302
    assert _works(first) and _works(stolen) and _works(second)

    assert first.post("/logout", data={"csrf_token": csrf(first)}).status_code == 302
    assert not _works(first)
    assert not _works(stolen)  # the copy of the cookie no longer logs anyone in
    assert not _works(second)  # nor does the user's other session
    assert stolen.get("/inbox", headers=HTML).status_code == 302  # back to the login page
    assert _count(world_app, "auth.logout") == 1
    # Other users' sessions are not touched.
    assert _works(login("department"))


def test_logging_in_again_after_logout_works(login, world_app):
    client = login("unit")
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert _works(login("unit"))


def test_a_password_change_ends_every_session(login, world_app, world, tmp_path):
    client = login("unit")
    stolen = _copy(client, world_app)
    result = _budgetloop(
        world_app, tmp_path, "user", "password", "--name", world["unit"].login,
        "--password", "a-new-password",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not _works(client) and not _works(stolen)
    # The new password logs in; the old one does not.
    fresh = world_app.test_client()
    fresh.get("/login")
    data = {"login": world["unit"].login, "csrf_token": csrf(fresh)}
    assert fresh.post("/login", data={**data, "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={**data, "password": "a-new-password"}).status_code == 302
    assert _works(fresh)


def test_deactivating_a_user_ends_sessions_and_tokens(login, world_app, world, tmp_path):
    client = login("unit")
    stolen = _copy(client, world_app)
    headers = world.headers("unit")
    assert world_app.test_client().get("/api/v1/tasks/", headers=headers).status_code == 200

    result = _budgetloop(world_app, tmp_path, "user", "deactivate", world["unit"].login)
    assert result.exit_code == 0, result.output
    assert not _works(client) and not _works(stolen)
    response = world_app.test_client().get("/api/v1/tasks/", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"
    assert _count(world_app, "user.deactivate") == 1
    # A deactivated user cannot log in again.
    fresh = world_app.test_client()
    fresh.get("/login")
    data = {"login": world["unit"].login, "password": PASSWORD, "csrf_token": csrf(fresh)}
    assert fresh.post("/login", data=data).status_code == 401

    # Activated again, the user logs in; the old token stays revoked.
    result = _budgetloop(world_app, tmp_path, "user", "activate", "--name", world["unit"].login)
    assert result.exit_code == 0, result.output
    assert fresh.post("/login", data={**data, "csrf_token": csrf(fresh)}).status_code == 302
    assert _works(fresh)
    response = world_app.test_client().get("/api/v1/tasks/?lang=en", headers=headers)
    assert response.status_code == 401 and response.json["errors"] == {"token": "revoked"}


def _set_token(world_app, token: str, **values) -> None:
    from engine.identity.users import token_digest

    with world_app.extensions["budgetloop.engine"].begin() as connection:
        connection.execute(
            update(ApiToken).where(ApiToken.token_sha256 == token_digest(token)).values(**values)
        )


def test_an_expired_token_is_401_in_the_error_shape(world_app, world):
    token = world["finance"].token
    _set_token(world_app, token, expires_at=utcnow() - timedelta(minutes=1))
    response = world_app.test_client().get(
        "/api/v1/tasks/?lang=en", headers=world.headers("finance")
    )
    assert response.status_code == 401
    body = response.json
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == "unauthenticated" and body["status"] == 401
    assert body["message"].startswith("the API token expired on ")
    assert body["errors"] == {"token": "expired"}
    chinese = world_app.test_client().get("/api/v1/tasks/", headers=world.headers("finance"))
    assert chinese.status_code == 401 and "过期" in chinese.json["message"]


def test_a_token_is_valid_for_the_configured_days(world_app, world, tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETLOOP_TOKEN_DAYS", "7")
    result = _budgetloop(world_app, tmp_path, "token", "issue", "--user", world["unit"].login)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        expires = connection.scalar(
            select(ApiToken.expires_at).where(ApiToken.prefix == token[:10])
        )
    # SQLite gives a naive UTC time back through this plain connection.
    expires = expires.replace(tzinfo=None)
    now = utcnow().replace(tzinfo=None)
    assert timedelta(days=7) - timedelta(minutes=5) < expires - now <= timedelta(days=7)
    headers = {"Authorization": f"Bearer {token}"}
    assert world_app.test_client().get("/api/v1/tasks/", headers=headers).status_code == 200


def test_a_revoked_token_is_401(world_app, world, tmp_path):
    token = world["finance"].token
    client = world_app.test_client()
    assert client.get("/api/v1/tasks/", headers=world.headers("finance")).status_code == 200
    result = _budgetloop(world_app, tmp_path, "token", "revoke", token[:10])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/tasks/?lang=en", headers=world.headers("finance"))
    assert response.status_code == 401
    assert response.json["errors"] == {"token": "revoked"}
    assert "revoked" in response.json["message"]
    assert _count(world_app, "token.revoke") == 1
    # Other users' tokens still work.
    assert client.get("/api/v1/tasks/", headers=world.headers("unit")).status_code == 200


def test_revoking_all_of_a_users_tokens(world_app, world, tmp_path):
    issued = _budgetloop(world_app, tmp_path, "token", "issue", "--user", world["unit"].login)
    second = issued.stdout.strip()
    result = _budgetloop(world_app, tmp_path, "token", "revoke", "--user", world["unit"].login)
    assert result.exit_code == 0 and "revoked 2 token(s)" in result.output
    client = world_app.test_client()
    for token in (world["unit"].token, second):
        response = client.get("/api/v1/tasks/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_an_unknown_token_is_401_with_a_reason(world_app):
    response = world_app.test_client().get(
        "/api/v1/tasks/?lang=en", headers={"Authorization": "Bearer bl_not-a-real-token"}
    )
    assert response.status_code == 401
    assert response.json["errors"] == {"token": "unknown"}


@pytest.fixture
def tls_app(database_url):
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True, "TLS": True}
    )
    yield app
    app.extensions["budgetloop.engine"].dispose()


def _set_cookies(app) -> list[str]:
    client = app.test_client()
    response = client.get("/login?lang=en")
    assert response.status_code == 200
    return response.headers.getlist("Set-Cookie")


def test_over_tls_cookies_are_secure_and_hsts_is_sent(tls_app):
    cookies = _set_cookies(tls_app)
    assert cookies and all("Secure" in cookie for cookie in cookies), cookies
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    response = tls_app.test_client().get("/api/v1/tasks/")
    assert response.status_code == 401
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_without_tls_no_secure_flag_and_no_hsts(app, monkeypatch):
    cookies = _set_cookies(app)
    assert cookies and not any("Secure" in cookie for cookie in cookies), cookies
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_the_tls_setting_comes_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("BUDGETLOOP_TLS", "1")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert "Strict-Transport-Security" in app.test_client().get("/login").headers
    finally:
        app.extensions["budgetloop.engine"].dispose()


def test_users_keep_epoch_in_step(world_app, world):
    """A session from before epochs existed (no epoch in the cookie) is ended, not trusted."""
    client = world_app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = world["unit"].user_id
    assert not _works(client)
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        epoch = connection.scalar(
            select(User.session_epoch).where(User.id == world["unit"].user_id)
        )
    with client.session_transaction() as session:
        session["user_id"] = world["unit"].user_id
        session["epoch"] = epoch
    assert _works(client)
