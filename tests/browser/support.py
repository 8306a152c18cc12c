"""Helpers for browser tests: the live server, the page guard and screenshots."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Route
from werkzeug.serving import BaseWSGIServer, make_server

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

# Schemes that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about"}


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as tests/artifacts/screenshots/<name>.png (git-ignored); return it."""
    if not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"screenshot name {name!r}: use letters, digits, '.', '_' or '-'")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def buffered(app: Flask) -> Callable:
    """The app as a WSGI callable whose answers are read whole, and closed, before sending.

    werkzeug's development server closes an answer only if draining the socket after a dropped
    connection does not raise; when the browser cancels a static file mid-answer, the file stays
    open and its ResourceWarning fails whichever test is running when it is collected. Reading the
    answer first leaves nothing open to leak.
    """

    def serve(environ: dict, start_response: Callable) -> list[bytes]:
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()

    return serve


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, buffered(app), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    @property
    def origin(self) -> str:
        return self.url

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def origin_of(url: str) -> str | None:
    """scheme://host:port of an http(s) URL; None for URLs that stay in the browser."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return None
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{parts.hostname}:{port}"


@dataclass
class PageGuard:
    """Records what a browser context does that a page of ours must never do.

    - any request to another origin than the live server's (it is also aborted, so nothing leaves
      the machine);
    - any console message of type "error";
    - any uncaught exception in a page.

    `check()` fails the test with everything recorded. A test that expects a console error (say,
    from a request it makes fail on purpose) calls `allow_console_error(regex)` first.
    """

    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    allowed_console: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("request", self._on_request)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def allow_console_error(self, pattern: str) -> None:
        self.allowed_console.append(re.compile(pattern))

    def _foreign(self, url: str) -> bool:
        origin = origin_of(url)
        return origin is not None and origin != self.origin

    def _route(self, route: Route) -> None:
        if self._foreign(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _on_request(self, request: Request) -> None:
        if self._foreign(request.url):
            self.foreign_requests.append(f"{request.method} {request.url}")

    def _watch_page(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            where = f" ({location.get('url')}:{location.get('lineNumber')})" if location else ""
            self.console_errors.append(f"{message.text}{where}")

    def _on_page_error(self, error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def problems(self) -> list[str]:
        console = [
            text
            for text in self.console_errors
            if not any(pattern.search(text) for pattern in self.allowed_console)
        ]
        return (
            [f"request outside the app: {item}" for item in self.foreign_requests]
            + [f"console error: {item}" for item in console]
            + [f"uncaught page error: {item}" for item in self.page_errors]
        )

    def check(self) -> None:
        problems = self.problems()
        assert not problems, "the page misbehaved:\n  " + "\n  ".join(problems)


def log_in(page: Page, login: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
