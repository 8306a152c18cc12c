"""One language, the API's side: marshmallow's words and the forms' problems are said in the
user's language, an API error speaks the language asked for, and the wording machinery finds a
Chinese wording by its key, else its English, else its kind."""

from __future__ import annotations

import string

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from engine.errors import Conflict, InvalidInput, NotFound
from engine.forms.problems import PROBLEMS
from tests.support.reading import english_sentences
from tests.web.conftest import csrf
from tests.web.language_support import CJK, _reopen
from web.i18n import catalogue
from web.problem_text import match, say

ERROR_KEYS = {"code", "status", "message", "errors"}


# ---- form problems: marshmallow's words and the forms' own -------------------------------------


class _Everything(Schema):
    """One field of each kind the forms and the API use, to get marshmallow's own words."""

    needed = fields.String(required=True)
    number = fields.Decimal()
    whole = fields.Integer(strict=True)
    flag = fields.Boolean()
    day = fields.Date()
    listed = fields.List(fields.String())
    choice = fields.String(validate=validate.OneOf(["approve", "return"]))
    short = fields.String(validate=validate.Length(max=2))
    long = fields.String(validate=validate.Length(min=5))
    between = fields.String(validate=validate.Length(min=2, max=3))
    share = fields.Decimal(validate=validate.Range(min=0, max=1))
    positive = fields.Integer(validate=validate.Range(min=1))
    small = fields.Integer(validate=validate.Range(max=10))
    below = fields.Integer(validate=validate.Range(min=0, max=5, max_inclusive=False))
    nothing = fields.String(allow_none=False)


BAD = {
    "number": "abc",
    "whole": "1",
    "flag": "perhaps",
    "day": "2026-13-40",
    "listed": "x",
    "choice": "maybe",
    "short": "abcd",
    "long": "ab",
    "between": "a",
    "share": "2",
    "positive": 0,
    "small": 11,
    "below": 5,
    "nothing": None,
    "stranger": 1,
}


def _marshmallow_messages() -> list[str]:
    try:
        _Everything().load(BAD)
    except ValidationError as error:
        messages = [text for texts in error.messages.values() for text in texts]
    assert len(messages) == len(BAD) + 1  # every bad field, and the one missing
    return messages


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_marshmallow_messages_are_said_in_the_users_language(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        for english in _marshmallow_messages():
            said = match(english)
            assert said is not None, f"no wording for marshmallow's {english!r}"
            if lang == "en":
                assert said == english
            else:
                assert CJK.search(said) and not english_sentences(said), (english, said)


def test_every_form_problem_has_its_code_in_both_languages(app):
    for code, english in PROBLEMS.items():
        entry = catalogue().get(f"form.problem.{code}")
        assert entry is not None, f"form.problem.{code} is missing"
        assert entry["en"] == english and CJK.search(entry["zh-CN"])
    with app.test_request_context("/?lang=zh-CN"):
        app.preprocess_request()
        assert match(PROBLEMS["return_needs_comment"]) == "退回修改须填写意见，说明需要修改什么"


# ---- the API in the language asked for ------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ({"Accept-Language": "zh-CN,zh;q=0.9"}, "此项必填。"),
        ({}, "此项必填。"),
        ({"Accept-Language": "en-US,en;q=0.8"}, "Missing data for required field."),
    ],
)
def test_an_api_error_speaks_the_language_asked_for(world_client, world, world_app, asked, words):
    task_id = _reopen(world_app, "review", "department", world["department"].org_id)
    response = world_client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"comment": "看过了"}},
        headers={**world.headers("department"), **asked},
    )
    assert response.status_code == 422 and set(response.json) == ERROR_KEYS
    assert response.json["errors"]["outcome"] == [words]
    english = "en" in asked.get("Accept-Language", "")
    assert bool(CJK.search(response.json["message"])) is not english
    # A record that does not exist: the engine's refusal, in the language asked for.
    headers = {**world.headers("unit"), **asked}
    missing = world_client.get("/api/v1/projects/999999", headers=headers)
    assert missing.status_code == 404 and set(missing.json) == ERROR_KEYS
    assert (missing.json["message"] == "no project 999999") is english
    assert bool(CJK.search(missing.json["message"])) is not english


def test_a_refusal_by_role_has_no_english_in_chinese(world_client, world, login):
    """What was being done is said in English by the engine ("this", "editing working
    calendars"): the Chinese wording says 此操作 and never splices it in."""
    file = {"year": 2026, "holidays": []}
    api = world_client.post("/api/v1/calendars/", json=file, headers=world.headers("supervisor"))
    assert api.status_code == 403
    assert api.json["message"] == "此操作须由以下角色办理：performance；您的角色是 'supervisor'。"
    client = login("finance")
    client.get("/calendars")
    page = client.post("/calendars", data={"body": "{}", "csrf_token": csrf(client)})
    assert page.status_code == 403
    assert page.json["message"].startswith("此操作须由以下角色办理：performance")


def test_a_page_language_beats_the_browsers(world_client, login, world):
    """The pages' own calls (session cookie) speak the page's language, not the browser's."""
    client = login("unit")
    response = client.get("/api/v1/projects/999999", headers={"Accept-Language": "en-US"})
    assert response.status_code == 404 and CJK.search(response.json["message"])


def test_a_bulk_reviews_items_say_what_happened_in_the_language_asked_for(world_client, world):
    body = {"tasks": [999999], "data": {"outcome": "approve"}}
    for asked, expected in (("zh-CN", "事项 999999 不存在"), ("en", "no task 999999")):
        headers = {**world.headers("department"), "Accept-Language": asked}
        response = world_client.post("/api/v1/tasks/bulk-review", json=body, headers=headers)
        assert response.status_code == 200, response.json
        [item] = response.json["items"]
        assert item["status"] == "error" and item["message"].startswith(expected)


# ---- the wording machinery ----------------------------------------------------------------------


def _slots(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_each_wording_fills_from_what_its_english_names():
    """A Chinese wording found by its English can only use the slots the English has."""
    for key, entry in catalogue().items():
        if key.startswith(("mm.", "form.problem.", "problem.")):
            assert _slots(entry["zh-CN"]) <= _slots(entry["en"]), key


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_error_is_said_by_its_key_else_its_wording_else_its_kind(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        keyed = InvalidInput("x", key="form_has_problems", params={"fields": "comment"})
        worded = NotFound("no project 12")
        unworded = Conflict("the moon is in the wrong phase for this")
        said = [say(keyed), say(worded), say(unworded)]
    if lang == "en":
        assert said == [
            "The form has problems in: comment",
            "no project 12",
            "the moon is in the wrong phase for this",
        ]
    else:
        assert said == [
            "表单有误，请按各项提示修改。",
            "项目 12 不存在，或不在您的查看范围内。",
            "数据已被他人修改或状态已变化，请刷新后重试。",
        ]


@pytest.mark.parametrize(("lang", "words"), [("zh-CN", "未找到"), ("en", "requested URL")])
def test_an_unknown_address_is_said_in_the_users_language(client, lang, words):
    response = client.get(f"/api/v1/nowhere?lang={lang}")
    assert response.status_code == 404 and set(response.json) == ERROR_KEYS
    assert words in response.json["message"]
