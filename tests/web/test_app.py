"""The app skeleton: health, the API root, its OpenAPI document and the one error shape."""

from __future__ import annotations

from engine import schema
from web import create_app

ERROR_KEYS = {"code", "status", "message", "errors"}


def test_healthz_reports_the_database(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": backend, "schema": schema.head_revision()}


def test_healthz_is_503_without_schema(empty_database_url):
    app = create_app({"DATABASE_URL": empty_database_url, "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["schema"] is None
    app.extensions["budgetloop.engine"].dispose()


def test_healthz_is_503_when_the_database_is_down():
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x", "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "cannot reach the database" in response.json["database"]


def test_the_tab_icon_is_served_where_browsers_look(client):
    linked = client.get("/login").text
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in linked
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = client.get(path)
        try:
            assert icon.status_code == 200, path
            assert icon.mimetype == "image/svg+xml" and icon.data.startswith(b"<svg"), path
        finally:
            icon.close()  # a file sent whole stays open until the answer is closed


def test_api_root_links_to_openapi(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json["openapi"] == "/api/v1/openapi.json"
    assert response.json["schema_revision"] == schema.head_revision()


def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "budgetloop"
    assert "/api/v1/" in document["paths"]


def test_unknown_path_uses_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.json) == ERROR_KEYS
    assert response.json["status"] == 404 and response.json["code"] == "not_found"


def test_wrong_method_uses_the_error_shape(client):
    response = client.delete("/api/v1/")
    assert response.status_code == 405
    assert set(response.json) == ERROR_KEYS


def test_api_root_when_the_database_is_down_is_503_not_500():
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x", "SECRET_KEY": "x"})
    response = app.test_client().get("/api/v1/")
    assert response.status_code == 503
    assert set(response.json) == ERROR_KEYS


def test_home_page_speaks_chinese_by_default_and_english_on_request(client):
    page = client.get("/")
    assert page.status_code == 200 and "预算绩效全过程管理" in page.text
    english = client.get("/?lang=en")
    assert "Budget performance management" in english.text
    # The choice is remembered.
    assert "Budget performance management" in client.get("/").text
