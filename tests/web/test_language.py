"""One language: on the lived-in year, the zh-CN pages of every role show no English sentence
from the engine, the forms or the modeller (error messages, form problems, rule names, the
audit log), the API answers in the language asked for, and the English pages speak English.

The API's answers and the wording machinery are checked in test_language_api.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from tests.support.reading import english_sentences
from tests.web.conftest import csrf
from tests.web.language_support import CJK, _reopen

ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")
# Pages of one shape (ids replaced) visited per role, and pages per role: every main page and
# one of each kind of detail page, in seconds.
PER_SHAPE = 1
PAGES_PER_ROLE = 30
NOT_PAGES = re.compile(
    r"/logout|/api/|/healthz|/excel|/download|/export|/print|/attachments/\d+|[?&]lang=|\.xlsx"
)


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
