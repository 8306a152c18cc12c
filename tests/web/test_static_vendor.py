"""The vendored front-end files are served by the app itself, from Flask's static route."""

from __future__ import annotations

from pathlib import Path

import pytest

import web

VENDOR = Path(web.__file__).resolve().parent / "static" / "vendor"

SCRIPTS = [
    "bpmn-js/bpmn-modeler.production.min.js",
    "chart.js/chart.umd.min.js",
    "htmx.org/htmx.min.js",
]
STYLES = [
    "bpmn-js/assets/diagram-js.css",
    "bpmn-js/assets/bpmn-js.css",
    "bpmn-js/assets/bpmn-font/css/bpmn-embedded.css",
]


@pytest.mark.parametrize("name", SCRIPTS)
def test_vendored_script_is_served_as_javascript(client, name):
    response = client.get(f"/static/vendor/{name}")
    try:
        assert response.status_code == 200
        assert response.mimetype in {"text/javascript", "application/javascript"}
        assert response.get_data() == (VENDOR / name).read_bytes()
    finally:
        response.close()


@pytest.mark.parametrize("name", STYLES)
def test_vendored_stylesheet_is_served_as_css(client, name):
    response = client.get(f"/static/vendor/{name}")
    try:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
    finally:
        response.close()


@pytest.mark.parametrize("folder", ["bpmn-js", "chart.js", "htmx.org"])
def test_each_vendored_package_ships_its_licence(folder):
    assert list((VENDOR / folder).glob("LICENSE*")), f"no licence file in vendor/{folder}"
