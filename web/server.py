"""Run the app under gunicorn, configured in code (no config file to lose)."""

from __future__ import annotations

import gc
import os

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from web.app import create_app
from web.server_answers import WORKER_CLASS, RequestDeadline

REQUEST_SECONDS_VAR = "BUDGETLOOP_REQUEST_SECONDS"
DEFAULT_REQUEST_SECONDS = 30.0
# gunicorn kills a worker this long after the request deadline has passed unanswered: only a
# request stuck where no signal reaches it (a C call that never returns) gets that far.
KILL_AFTER_DEADLINE = 30
# How many proxies in front of the app set X-Forwarded-For/-Proto. 0 (the default): none, and
# those headers are ignored, since anyone could send them to pick the address a login failure
# is counted under. Behind one nginx: 1.
TRUSTED_PROXIES_VAR = "BUDGETLOOP_TRUSTED_PROXIES"
MAX_TRUSTED_PROXIES = 5


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app (and database engine) after the fork.
        app = served_app()
        # What the app built lives as long as the worker: move it out of the collector's
        # generations, so the collections a request triggers do not walk it every time
        # (measured: several ms of a 50-row alert page were full collections over it).
        gc.collect()
        gc.freeze()
        return app


# The worker's pid in every access-log line says which process served a request.
ACCESS_LOG_FORMAT = '%(h)s [%(t)s] pid=%(p)s "%(r)s" %(s)s %(b)s %(M)sms'


def served_app() -> Flask:
    """The app as a worker serves it: behind its trusted proxies, with a request deadline."""
    app = create_app()
    app.wsgi_app = RequestDeadline(app.wsgi_app, request_seconds())
    proxies = trusted_proxies()
    if proxies:
        # The client address and scheme as the nearest `proxies` proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def trusted_proxies() -> int:
    """The number of trusted proxies from the environment (0 to 5)."""
    raw = os.environ.get(TRUSTED_PROXIES_VAR, "") or "0"
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_TRUSTED_PROXIES:
        raise SystemExit(
            f"{TRUSTED_PROXIES_VAR}={raw!r} must be a whole number from 0 to {MAX_TRUSTED_PROXIES}"
        )
    return int(raw)


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
    trusted_proxies()  # a bad setting stops here, before any worker starts
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
