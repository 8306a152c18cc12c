"""Run the app under gunicorn, configured in code (no config file to lose)."""

from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication

from web.app import create_app


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
        # What the app built lives as long as the worker: move it out of the collector's
        # generations, so the collections a request triggers do not walk it every time
        # (measured: several ms of a 50-row alert page were full collections over it).
        gc.collect()
        gc.freeze()
        return app


# The worker's pid in every access-log line says which process served a request.
ACCESS_LOG_FORMAT = '%(h)s [%(t)s] pid=%(p)s "%(r)s" %(s)s %(b)s %(M)sms'


def serve_app(*, bind: str, workers: int) -> None:
    """Serve until interrupted; workers share nothing but the database."""
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "timeout": 60,
            # A worker killed mid-request is replaced; the others keep serving meanwhile.
            "graceful_timeout": 10,
        }
    ).run()
