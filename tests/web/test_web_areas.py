"""The web by area (web/areas.py): every area package is composed, in the order its API is
documented; each template name lives in one folder; each area's messages join the catalogue;
and nothing registers on import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.fresh_python import run_fresh
from web import create_app
from web.areas import WEB_AREAS
from web.i18n import catalogue, catalogue_files, merged_catalogue

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
# The packages of web/ that are shared by every area rather than an area of their own.
SHARED = {"api", "pages"}
# The OpenAPI document's tags, in the order the areas register their blueprints.
TAGS = [
    "meta",
    "target_tables",
    "process_definitions",
    "projects_and_organisations",
    "tasks",
    "drafts",
    "attachments",
    "evaluations_api",
    "ex_ante_assessments",
    "rectification_orders",
    "audit_events",
    "incidents",
    "alerts",
    "monitoring",
    "rule_sets",
    "results",
    "disclosures",
    "department_plans",
    "working_calendars",
    "indicator_frames",
    "messages",
]


@pytest.fixture
def app(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "x" * 32})
    yield app
    app.extensions["budgetloop.engine"].dispose()


def test_every_area_package_is_composed_once():
    packages = sorted(path.parent.name for path in WEB.glob("*/__init__.py"))
    names = [area.__name__.removeprefix("web.") for area in WEB_AREAS]
    assert len(names) == len(set(names))
    assert sorted(names) == [name for name in packages if name not in SHARED]


def test_the_api_is_documented_in_the_areas_order(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert [tag["name"] for tag in spec["tags"]] == TAGS


def test_each_template_name_lives_in_one_folder(app):
    folders = {Path(app.root_path, app.template_folder)} | {
        Path(blueprint.root_path, blueprint.template_folder)
        for blueprint in app.blueprints.values()
        if blueprint.template_folder
    }
    assert set(WEB.glob("*/templates")) <= folders, "an area's templates/ no blueprint reads"
    found: dict[str, list[str]] = {}
    for folder in sorted(folders):
        for path in folder.rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            found.setdefault(name, []).append(str(folder))
    assert {name: where for name, where in found.items() if len(where) > 1} == {}
    # The generic task page includes each form's template by its name.
    assert {"forms/generic.html", "forms/target_table.html", "targets/editor.html"} <= set(found)


def test_each_areas_messages_join_the_catalogue():
    paths = catalogue_files()
    assert set(paths) == set(WEB.glob("messages/*.json")) | set(WEB.glob("*/messages/*.json"))
    assert WEB / "targets" / "messages" / "targets.json" in paths
    for path in WEB.glob("*/messages/*.json"):
        assert json.loads(path.read_text(encoding="utf-8")).keys() <= catalogue().keys()


def _write(path: Path, messages: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(messages, ensure_ascii=False), encoding="utf-8")


def test_a_message_defined_in_two_files_is_refused_naming_both(tmp_path):
    _write(tmp_path / "messages" / "common.json", {"x": {"zh-CN": "甲", "en": "a"}})
    _write(tmp_path / "targets" / "messages" / "targets.json", {"x": {"zh-CN": "乙", "en": "b"}})
    refused = r"targets/messages/targets\.json: message 'x' is defined twice \(also in messages/"
    with pytest.raises(RuntimeError, match=refused):
        merged_catalogue(catalogue_files(tmp_path), tmp_path)


def test_a_message_lacking_a_language_is_refused_naming_its_file(tmp_path):
    _write(tmp_path / "review" / "messages" / "tasks.json", {"y": {"zh-CN": "丙"}})
    with pytest.raises(RuntimeError, match=r"review/messages/tasks\.json: message 'y' lacks en"):
        merged_catalogue(catalogue_files(tmp_path), tmp_path)


def test_importing_every_web_module_registers_no_task_form():
    code = (
        "import importlib, pkgutil, web\n"
        "for module in pkgutil.walk_packages(web.__path__, 'web.'):\n"
        "    importlib.import_module(module.name)\n"
        "from web.review.task_forms import PAGE_FORMS\n"
        "assert PAGE_FORMS == {}, sorted(PAGE_FORMS)\n"
    )
    run_fresh(code)
