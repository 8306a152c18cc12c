"""Logging in: passwords, sessions, rate limiting, CSRF and the security headers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.models import AuditEvent, Project
from tests.support.world import PASSWORD, ROLES
from tests.web.conftest import csrf

HTML = {"Accept": "text/html"}


def _post_login(client, login: str, password: str, **extra):
    client.get("/login")
    data = {"login": login, "password": password, "csrf_token": csrf(client), **extra}
    return client.post("/login", data=data, headers=HTML)


def test_login_opens_a_session_and_logout_ends_it(world_client, world):
    response = _post_login(world_client, world["unit"].login, PASSWORD, next="/inbox")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert world_client.get("/inbox", headers=HTML).status_code == 200
    assert world_client.get("/api/v1/tasks/").status_code == 200  # the cookie works for the API
    response = world_client.post("/logout", data={"csrf_token": csrf(world_client)})
    assert response.status_code == 302
    assert world_client.get("/inbox", headers=HTML).status_code == 302  # back to the login page


def test_wrong_password_is_401_and_audited(world_client, world, world_app):
    response = _post_login(world_client, world["unit"].login, "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        failed = connection.scalar(
            select(func.count()).where(
                AuditEvent.action == "auth.login_failed",
                AuditEvent.object_id == world["unit"].login,
            )
        )
    assert failed == 1


def test_unknown_user_gets_the_same_answer(world_client):
    response = _post_login(world_client, "nobody.here", "whatever-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.text


def test_login_is_rate_limited_after_five_failures(world_client, world):
    for _ in range(5):
        assert _post_login(world_client, world["department"].login, "wrong-one!").status_code == 401
    # Even the right password is refused until the window passes.
    response = _post_login(world_client, world["department"].login, PASSWORD)
    assert response.status_code == 429
    assert "15" in response.text
    # Another account is not affected.
    assert _post_login(world_client, world["finance"].login, PASSWORD).status_code == 302


def test_next_only_redirects_inside_the_app(world_client, world):
    response = _post_login(world_client, world["unit"].login, PASSWORD, next="//evil.example/x")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


def test_each_role_lands_on_its_inbox_unless_sent_elsewhere(world_app, world):
    for role in ROLES:
        client = world_app.test_client()
        response = _post_login(client, world[role].login, PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/inbox", role
        assert client.get("/inbox", headers=HTML).status_code == 200
    response = _post_login(world_app.test_client(), world["finance"].login, PASSWORD, next="/x")
    assert response.headers["Location"] == "/x"


def test_forms_without_csrf_token_are_refused(world_client, world):
    world_client.get("/login")
    response = world_client.post(
        "/login", data={"login": world["unit"].login, "password": PASSWORD}, headers=HTML
    )
    assert response.status_code == 403
    assert "页面已过期，请刷新后重新提交。" in response.text  # the CSRF refusal, in Chinese


def test_cookie_authenticated_api_writes_need_the_csrf_header(login, world):
    client = login("unit")
    response = client.post("/api/v1/tasks/999999/complete", json={"data": {}})
    assert response.status_code == 403 and response.json["errors"] == {"csrf_token": "invalid"}
    response = client.post(
        "/api/v1/tasks/999999/complete", json={"data": {}}, headers={"X-CSRF-Token": csrf(client)}
    )
    assert response.status_code == 404


def test_pages_send_security_headers(world_client):
    response = world_client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"<script>(?!</script>)", response.text)  # no inline script bodies


def test_project_names_are_escaped(login, world, world_app):
    engine = world_app.extensions["budgetloop.engine"]
    with engine.begin() as connection:
        project_id = connection.scalar(
            select(Project.id).where(Project.unit_id == world["unit"].org_id).limit(1)
        )
        connection.execute(
            Project.__table__.update()
            .where(Project.id == project_id)
            .values(name="<script>alert(1)</script>")
        )
    client = login("unit")
    response = client.get("/inbox?page=1", headers=HTML)
    assert response.status_code == 200
    api = client.get(f"/api/v1/projects/{project_id}")
    assert api.json["name"] == "<script>alert(1)</script>"
    for path in ("/inbox", f"/projects/{project_id}"):
        page = client.get(path, headers=HTML)
        assert "<script>alert(1)</script>" not in page.text
