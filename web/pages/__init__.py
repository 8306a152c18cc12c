"""The pages no single area owns: the home page, the API reference and the header's navigation,
with the helpers every area's pages share (views.py). Each area's pages live in its own web
package (web/areas.py)."""

from __future__ import annotations

from flask import Flask

from web.pages import api_reference, home, nav


def init_app(app: Flask) -> None:
    app.register_blueprint(home.bp)
    app.register_blueprint(api_reference.bp)
    nav.init_app(app)
