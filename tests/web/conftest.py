"""Web fixtures: the app built through its factory on the test database."""

from __future__ import annotations

import pytest

from web import create_app


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    yield app
    app.extensions["budgetloop.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
