"""Run the app under gunicorn, configured in code (no config file to lose)."""

from __future__ import annotations

import gc
import os

from gunicorn.app.base import BaseApplication

from web.app import create_app
from web.server_answers import WORKER_CLASS, RequestDeadline

REQUEST_SECONDS_VAR = "BUDGETLOOP_REQUEST_SECONDS"
DEFAULT_REQUEST_SECONDS = 30.0
# gunicorn kills a worker this long after the request deadline has passed unanswered: only a
# request stuck where no signal reaches it (a C call that never returns) gets that far.
KILL_AFTER_DEADLINE = 30


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app (and database engine) after the fork.
        app = create_app()
        app.wsgi_app = RequestDeadline(app.wsgi_app, request_seconds())
        # What the app built lives as long as the worker: move it out of the collector's
        # generations, so the collections a request triggers do not walk it every time
        # (measured: several ms of a 50-row alert page were full collections over it).
        gc.collect()
        gc.freeze()
        return app


# The worker's pid in every access-log line says which process served a request.
ACCESS_LOG_FORMAT = '%(h)s [%(t)s] pid=%(p)s "%(r)s" %(s)s %(b)s %(M)sms'


def request_seconds() -> float:
    """The per-request deadline from the environment (seconds; 0 turns it off)."""
    raw = os.environ.get(REQUEST_SECONDS_VAR, "")
    try:
        seconds = float(raw) if raw else DEFAULT_REQUEST_SECONDS
    except ValueError:
        raise SystemExit(f"{REQUEST_SECONDS_VAR}={raw!r} is not a number of seconds") from None
    if not 0 <= seconds <= 3600:
        raise SystemExit(f"{REQUEST_SECONDS_VAR}={raw!r} must be between 0 and 3600 seconds")
    return seconds


def serve_app(*, bind: str, workers: int) -> None:
    """Serve until interrupted; workers share nothing but the database."""
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "worker_class": WORKER_CLASS,
            "timeout": int(request_seconds()) + KILL_AFTER_DEADLINE,
            # A worker killed mid-request is replaced; the others keep serving meanwhile.
            "graceful_timeout": 10,
        }
    ).run()
