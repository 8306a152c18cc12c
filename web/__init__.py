"""Flask app: REST API and pages."""

from web.app import create_app

__all__ = ["create_app"]
