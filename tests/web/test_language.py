"""One language: on the lived-in year, the zh-CN pages of every role show no English sentence
from the engine, the forms or the modeller (error messages, form problems, rule names, the
audit log), the API answers in the language asked for, and the English pages speak English."""

from __future__ import annotations

import json
import re
import string
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select, update

from engine.errors import Conflict, InvalidInput, NotFound
from engine.forms.problems import PROBLEMS
from engine.models import AuditEvent, HumanTask
from tests.support.reading import english_sentences
from tests.web.conftest import csrf
from web.i18n import catalogue
from web.problem_text import match, say

ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")
# Pages of one shape (ids replaced) visited per role, and pages per role: every main page and
# one of each kind of detail page, in seconds.
PER_SHAPE = 1
PAGES_PER_ROLE = 30
NOT_PAGES = re.compile(
    r"/logout|/api/|/healthz|/excel|/download|/export|/print|/attachments/\d+|[?&]lang=|\.xlsx"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_KEYS = {"code", "status", "message", "errors"}


# ---- what a person reads on a page ------------------------------------------------------------


class _Reader(HTMLParser):
    """The page's visible text split into lines roughly as a browser's innerText does: block
    elements end a line, table cells are separated by a tab, scripts and form values unseen."""

    BLOCKS = {
        "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "br", "dt", "dd", "section", "table",
        "ul", "ol", "form", "label", "option", "header", "nav", "footer", "main", "pre",
        "thead", "tbody", "caption", "details", "summary", "fieldset", "legend", "blockquote",
    }  # fmt: skip
    HIDDEN = {"script", "style", "textarea", "template", "title", "select"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def visible_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return "".join(reader.parts)


def error_block(html: str) -> str:
    """The text of the page's error notices (role=alert) only."""
    blocks = re.findall(r'<div class="error[^"]*" role="alert"[^>]*>(.*?)</div>', html, re.S)
    return "\n".join(visible_text(block) for block in blocks)


def test_the_sentence_detector():
    assert english_sentences("due in ten working days\n监控报告") == ["due in ten working days"]
    assert english_sentences("2026-03-20 12:00\nunit.304005\nExcel 导出\n1,234.56 万元") == []
    assert english_sentences("grade_a, grade_a_top_department")
    html = "<p>Not a valid <b>number</b>.</p><table><tr><td>a</td><td>b</td></tr></table>"
    assert english_sentences(visible_text(html)) == ["Not a valid number."]
    assert english_sentences(visible_text("<script>var a = b + c;</script><p>好</p>")) == []


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


# ---- every role's pages in zh-CN ----------------------------------------------------------------


def _crawl(client, starts: list[str]) -> dict[str, list[str]]:
    """Visit the pages reachable from `starts` (bounded); each page's English sentences."""
    problems: dict[str, list[str]] = {}
    queue, seen, shapes = list(starts), set(), {}
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 300 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        found = english_sentences(visible_text(html))
        if found:
            problems[path] = found
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            parts = urlsplit(href.replace("&amp;", "&"))
            if parts.netloc or not parts.path.startswith("/"):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = re.sub(r"\d+", "N", parts.path)
            if NOT_PAGES.search(link) or link in seen or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(link)
    assert len(seen) > 3, f"crawled only {sorted(seen)}"
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_roles_pages_read_in_chinese(login, role):
    client = login(role)
    starts = ["/inbox", "/inbox/done", "/funding-decisions?status=all", "/rule-sets", "/audit"]
    problems = _crawl(client, starts)
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


# ---- forms submitted with problems ---------------------------------------------------------------


def _reopen(world_app, form: str, role: str, org_id: int) -> int:
    """A completed task of `form` for `role` made ready again for `org_id` (the lived-in year
    is done); a form with problems is refused before the process is touched."""
    with world_app.extensions["budgetloop.engine"].begin() as db:
        task_id = db.scalar(
            select(HumanTask.id)
            .where(HumanTask.form == form, HumanTask.role == role)
            .order_by(HumanTask.id.desc())
        )
        assert task_id is not None, f"the lived-in year has a {form} task"
        db.execute(
            update(HumanTask).where(HumanTask.id == task_id).values(status="ready", org_id=org_id)
        )
    return task_id


def _submit(client, task_id: int, data: dict, lang: str = "zh-CN"):
    client.get(f"/tasks/{task_id}?lang={lang}")
    return client.post(f"/tasks/{task_id}", data={**data, "csrf_token": csrf(client)})


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_monitoring_report_with_a_word_for_a_number(login, world, world_app, lang):
    task_id = _reopen(world_app, "monitoring_report", "unit", world["unit"].org_id)
    client = login("unit")
    response = _submit(client, task_id, {"executed_to_date": "一百万"}, lang)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    shown = error_block(html)
    assert "executed_to_date" in shown
    if lang == "zh-CN":
        assert "不是有效的数字" in shown and "表单有误" in shown
        assert not english_sentences(visible_text(html)), english_sentences(visible_text(html))
    else:
        assert "Not a valid number." in shown and not CJK.search(shown.replace("一百万", ""))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_review_without_a_choice_and_a_return_without_a_comment(login, world, world_app, lang):
    task_id = _reopen(world_app, "review", "department", world["department"].org_id)
    client = login("department")
    nothing = _submit(client, task_id, {"comment": ""}, lang)
    silent = _submit(client, task_id, {"outcome": "return", "comment": " "}, lang)
    for response in (nothing, silent):
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        shown = error_block(html)
        assert shown.strip()
        if lang == "zh-CN":
            assert CJK.search(shown)
            assert not english_sentences(visible_text(html)), english_sentences(visible_text(html))
        else:
            assert not CJK.search(shown), shown
    said = error_block(silent.get_data(as_text=True))
    if lang == "zh-CN":
        assert "退回修改须填写意见" in said
    else:
        assert "a return needs a comment saying what to change" in said


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


def test_a_page_language_beats_the_browsers(world_client, login, world):
    """The pages' own calls (session cookie) speak the page's language, not the browser's."""
    client = login("unit")
    response = client.get("/api/v1/projects/999999", headers={"Accept-Language": "en-US"})
    assert response.status_code == 404 and CJK.search(response.json["message"])


# ---- the audit log, the rule set and the funding decisions --------------------------------------


def test_the_audit_log_reads_as_text(login, world_app):
    with world_app.extensions["budgetloop.engine"].connect() as db:
        chinese = db.scalar(
            select(AuditEvent.seq)
            .where(AuditEvent.action == "task.complete")
            .order_by(AuditEvent.seq.desc())
        )
    client = login("performance")
    html = client.get("/audit?action=task.complete").get_data(as_text=True)
    text = visible_text(html)
    assert chinese is not None and "完成任务" in text
    assert "\\u" not in html and "审核意见" in text
    assert not english_sentences(text), english_sentences(text)
    english = visible_text(client.get("/audit?action=task.complete&lang=en").get_data(as_text=True))
    assert "Complete a task" in english and "完成任务" not in english
    assert "通过（approve）" in text and "approve (approve)" in english


def test_rules_have_labels_and_the_shipped_texts_both_languages(login):
    client = login("finance")
    page = visible_text(client.get("/rule-sets").get_data(as_text=True))
    assert "评价为中" in page and "评价为中：核减 10%，下达整改通知。" in page
    assert "Grade C: cut 10 %" not in page and not english_sentences(page)
    english = visible_text(client.get("/rule-sets?lang=en").get_data(as_text=True))
    assert "Grade C: cut 10 %, rectification order." in english and "评价为中" not in english


def test_funding_decisions_name_their_rules(login):
    client = login("finance")
    html = client.get("/funding-decisions?status=all").get_data(as_text=True)
    text = visible_text(html)
    assert "grade_" in html  # the identifier is still there, as the label's title
    assert re.search(r"评价为(优|良|中|差)", text)
    assert not english_sentences(text), english_sentences(text)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_rule_set_with_mistakes_is_explained_in_the_pages_language(login, lang):
    client = login("performance")
    client.get(f"/rule-sets?lang={lang}")
    body = json.dumps(
        {
            "name": "试行规则",
            "version": 1,
            "colour": "red",
            "rules": [{"name": "grade_c", "pri": "high", "when": {"all": []}, "then": {}}],
        }
    )
    response = client.post(
        "/rule-sets", data={"body": body, "for_year": "2027", "csrf_token": csrf(client)}
    )
    assert response.status_code == 422
    shown = error_block(response.get_data(as_text=True))
    if lang == "zh-CN":
        assert "未知的键" in shown and "应为整数" in shown
        assert not english_sentences(shown), english_sentences(shown)
    else:
        assert "unknown key (expected one of:" in shown and "expected an integer" in shown


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
