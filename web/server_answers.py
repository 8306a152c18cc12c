"""What the server answers when the app itself cannot: in the app's error shape, never HTML.

Two cases never reach the app's error handler. gunicorn refuses a request it cannot parse
(a request line over its limit: 414; headers over theirs: 431; a malformed line: 400) with an
English HTML page of its own. And a request that runs past gunicorn's `timeout` has its worker
killed: the client gets a dropped connection, no answer at all. Here the first keeps gunicorn's
judgement (status, log line, access line) and only words the body as `{code, status, message,
errors}`; the second gets a deadline inside the worker, shorter than gunicorn's, that stops
the request with a 503 the one error handler words like any other, and rolls its work back.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterable
from functools import cache

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

from engine.errors import BudgetloopError
from web.i18n import CATALOGUE_DIR, DEFAULT, LANGUAGES

# The message catalogue's key for each status gunicorn answers; others say error.title.
STATUS_MESSAGES = {
    400: "server.bad_request",
    403: "error.403",
    414: "server.uri_too_long",
    417: "server.bad_request",
    431: "server.headers_too_large",
    500: "error.500",
    501: "server.bad_request",
}
JSON_HEADERS = "Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n"


class RequestTimedOut(BudgetloopError):
    """The request ran past the server's per-request deadline and was stopped."""

    code = "request_timeout"


@cache
def _messages() -> dict[str, dict[str, str]]:
    # The catalogue without Flask: gunicorn answers before (or without) an app context.
    merged: dict[str, dict[str, str]] = {}
    for name in ("common.json", "server.json"):
        merged.update(json.loads((CATALOGUE_DIR / name).read_text(encoding="utf-8")))
    return merged


def _language(req) -> str:
    """English if the request (when gunicorn got as far as its headers) asks for it first."""
    for name, value in getattr(req, "headers", None) or ():
        if name.upper() == "ACCEPT-LANGUAGE":
            first = value.split(",")[0].split(";")[0].strip().lower()
            return "en" if first.startswith("en") else DEFAULT
    return DEFAULT


def error_answer(status: int, reason: str, language: str) -> bytes:
    """A whole HTTP response in the error shape, for a status gunicorn chose."""
    key = STATUS_MESSAGES.get(status, "error.title")
    text = _messages()[key][language if language in LANGUAGES else DEFAULT]
    code = reason.lower().replace(" ", "_") or "error"
    body = json.dumps(
        {"code": code, "status": status, "message": text, "errors": {}}, ensure_ascii=False
    ).encode()
    head = f"HTTP/1.1 {status} {reason}\r\n{JSON_HEADERS}Content-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


class _Recorder:
    """Stands in for the client socket while gunicorn writes its own error page."""

    def __init__(self, client) -> None:
        self._client = client
        self.written = b""

    def gettimeout(self):
        return self._client.gettimeout()

    def setblocking(self, flag) -> None:
        self._client.setblocking(flag)

    def sendall(self, data: bytes) -> None:
        self.written += data


class JsonAnswerWorker(SyncWorker):
    """gunicorn's sync worker, answering its own refusals in the app's error shape."""

    def handle_error(self, req, client, addr, exc):
        recorder = _Recorder(client)
        super().handle_error(req, recorder, addr, exc)
        status_line = recorder.written.split(b"\r\n", 1)[0].decode("latin-1")
        _, status, reason = (status_line.split(" ", 2) + ["", ""])[:3]
        if not status.isdigit():
            return
        try:
            # A header gunicorn could not read carries the request read so far.
            language = _language(req or getattr(exc, "req", None))
            util.write_nonblock(client, error_answer(int(status), reason, language))
        except OSError:
            self.log.debug("Failed to send error message.")


WORKER_CLASS = f"{JsonAnswerWorker.__module__}.{JsonAnswerWorker.__qualname__}"


class RequestDeadline:
    """Stops a request that runs past `seconds` with RequestTimedOut, raised inside the app.

    A sync worker runs one request at a time on its main thread, so SIGALRM lands in the
    request it was armed for. The exception unwinds the request like any other error: the unit
    of work rolls back and the error handler answers 503. Elsewhere (tests, a threaded server)
    signals cannot reach the request's thread and the deadline is not armed.
    """

    def __init__(self, app: Callable, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return self.app(environ, start_response)
        previous = signal.signal(signal.SIGALRM, self._expired)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            return self.app(environ, start_response)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _expired(self, signum, frame) -> None:
        raise RequestTimedOut(
            f"the request took longer than {self.seconds:g} s and was stopped; "
            "nothing it changed was saved",
            key="request_timeout",
            params={"seconds": f"{self.seconds:g}"},
        )
