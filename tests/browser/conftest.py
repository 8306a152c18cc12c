"""Browser tests: the app on a live server, driven by Debian's Chromium through Playwright.

Fixtures (besides pytest-playwright's own `browser`, `context`, `page`, `new_context`):

- `live_server` (module): the app on a fresh SQLite database, served at `live_server.url`;
  each test module gets its own database and server, the tests of one module share them.
- `context` / `page`: a browser context whose `base_url` is the live server (so `page.goto("/")`),
  guarded by `page_guard`.
- `page_guard`: fails the test at teardown if a page requested anything outside the live server
  (such requests are also aborted), logged a console error or threw an uncaught error.

`tests.browser.support.screenshot(page, name)` saves tests/artifacts/screenshots/<name>.png.
Every test here is marked `browser` (deselect with `-m "not browser"`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.support import LiveServer, PageGuard
from web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Fail fast: a page of ours answers in milliseconds, not in Playwright's default 30 s.
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    # A conftest hook sees the whole session's items: mark only those under this folder.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """Debian's Chromium, never a browser downloaded by `playwright install`."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args) -> dict:
    """A desktop window of a user in China; the base URL is the live server's (see `context`)."""
    args = {key: value for key, value in browser_context_args.items() if key != "base_url"}
    return {
        **args,
        "viewport": {"width": 1280, "height": 800},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture(scope="module")
def live_server(sqlite_templates) -> Iterator[LiveServer]:
    """The app on a fresh migrated SQLite database with the reference data, on a free port."""
    app = create_app(
        {"DATABASE_URL": sqlite_templates.fresh(), "SECRET_KEY": "browser-test", "TESTING": True}
    )
    server = LiveServer(app).start()
    yield server
    server.stop()
    app.extensions["budgetloop.engine"].dispose()


@pytest.fixture
def page_guard(live_server) -> PageGuard:
    return PageGuard(live_server.origin)


@pytest.fixture
def context(new_context, live_server, page_guard) -> Iterator[BrowserContext]:
    context = new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page_guard.attach(context)
    yield context
    # Runs before pytest-playwright closes the context: everything the pages did is recorded.
    page_guard.check()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="module")
def world_server(sqlite_world) -> Iterator[LiveServer]:
    """The app on a fresh copy of the lived-in year (tests/support/world.py), on a free port."""
    app = create_app(
        {"DATABASE_URL": sqlite_world.fresh(), "SECRET_KEY": "browser-test", "TESTING": True}
    )
    server = LiveServer(app).start()
    yield server
    server.stop()
    app.extensions["budgetloop.engine"].dispose()


@pytest.fixture(scope="module")
def world(sqlite_world):
    """Who is who in the lived-in year: `world["unit"].login`, `world.strangers["unit"]`."""
    return sqlite_world.world


@pytest.fixture
def world_page(new_context, world_server, page_guard_world) -> Iterator[Page]:
    """A page on the lived-in year's server (base URL set), guarded like `page`."""
    context = new_context(base_url=world_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page_guard_world.attach(context)
    yield context.new_page()
    page_guard_world.check()


@pytest.fixture
def page_guard_world(world_server) -> PageGuard:
    return PageGuard(world_server.origin)
