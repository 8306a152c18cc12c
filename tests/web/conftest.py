"""Web fixtures: the app built through its factory on the test database."""

from __future__ import annotations

import pytest

from tests.support.world import PASSWORD
from web import create_app


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    yield app
    app.extensions["budgetloop.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def lived(backend, request):
    """The lived-in year's template for this backend."""
    return request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")


@pytest.fixture
def world(lived):
    """Who is who in the lived-in year: `world["unit"].token`, `world.headers("unit")`."""
    return lived.world


@pytest.fixture
def world_app(lived, templates):
    """The app on a fresh copy of the lived-in year."""
    url = lived.fresh()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    yield app
    app.extensions["budgetloop.engine"].dispose()
    templates.discard(url)


@pytest.fixture
def world_client(world_app):
    return world_app.test_client()


@pytest.fixture
def login(world_client, world):
    """Log the test client in as `role` through the login form; returns the client."""

    def log_in(role: str, *, stranger: bool = False):
        account = (world.strangers if stranger else world.accounts)[role]
        world_client.get("/login")
        with world_client.session_transaction() as session:
            token = session["csrf_token"]
        response = world_client.post(
            "/login", data={"login": account.login, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.text
        return world_client

    return log_in


def csrf(client) -> str:
    """The CSRF token of `client`'s session (after it has loaded any page)."""
    with client.session_transaction() as session:
        return session["csrf_token"]
