"""Run the app under gunicorn, configured in code (no config file to lose)."""

from __future__ import annotations

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
        return create_app()


def serve_app(*, bind: str, workers: int) -> None:
    """Serve until interrupted."""
    _Gunicorn({"bind": bind, "workers": workers, "accesslog": "-", "timeout": 60}).run()
