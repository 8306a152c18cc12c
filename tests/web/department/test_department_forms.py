"""The department's task forms on the page: a refused table says why next to the field, in
Chinese, and stores nothing; no posted input is a server fault; a return's comment opens the
refiling form with the table as filed; the reports name a wrong row's field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from tests.web.conftest import csrf
from tests.web.department.support import (
    INDICATORS,
    NEXT_YEAR,
    TABLE,
    fire_timers,
    post_form,
    ready_task,
    start_next_year,
    stored_plan,
)

PROBLEM = re.compile(r'<span class="cell-problem">(.*?)</span>', re.S)


def _problems(html: str) -> list[str]:
    return [unescape(text) for text in PROBLEM.findall(html)]


@pytest.fixture
def filing(world_app, world, login):
    """The department logged in with its table to file: (client, task id)."""
    instance = start_next_year(world_app, world)
    task = ready_task(world_app, instance)
    assert task.form == "department_plan"
    return login("department"), task.id, instance


def test_weights_that_do_not_add_up_are_named_next_to_the_totals(filing, world_app, world):
    client, task_id, _ = filing
    before = stored_plan(world_app, world)
    refused = post_form(client, task_id, {**TABLE, "ind-f-weight": "5"})
    assert refused.status_code == 422
    html = refused.text
    assert "部门整体绩效目标表未能提交" in html
    assert "各指标分值合计为 85，应为 90" in _problems(html)[0]
    # The table as typed comes back, every row in its place.
    assert 'value="服务对象满意度"' in html and html.count('name="ind-') >= 7 * len(INDICATORS)
    assert stored_plan(world_app, world) == before
    assert ready_task(world_app, filing[2]).id == task_id


@pytest.mark.parametrize(
    ("change", "field", "said"),
    [
        ({"ind-b-weight": "abc"}, "ind-b-weight", "须为数字"),
        ({"ind-c-weight": ""}, "ind-c-weight", "此项必填"),
        ({"ind-a-unit": ""}, "ind-a-unit", "定量指标须填写度量单位"),
        ({"ind-e-target": ""}, "ind-e-target", "定性指标须用文字描述指标值"),
        ({"ind-a-target": ""}, "ind-a-target", "须填写数值型指标值"),
        ({"ind-d-item": "nope"}, "ind-d-item", "不是指标体系中的二级指标"),
        ({"ind-a-weight": "0", "ind-b-weight": "30"}, "ind-a-weight", "须大于 0"),
        ({"ind-c-name": "法定职责履行率"}, "ind-c-name", "重复"),
        ({"task-n1-name": ""}, "task-n1-name", "此项必填"),
        ({"task-0-amount": "-1"}, "task-0-amount", "不能为负数"),
        ({"basic_budget": "很多"}, "basic_budget", "须为数字"),
        ({"duties": ""}, "duties", "此项必填"),
    ],
)
def test_a_field_s_problem_is_said_beside_it_in_chinese(
    filing, world_app, world, change, field, said
):
    client, task_id, _ = filing
    before = stored_plan(world_app, world)
    refused = post_form(client, task_id, {**TABLE, **change})
    assert refused.status_code == 422
    html = refused.text
    # The problem follows the field's own input (or select) in the page.
    start = html.index(f'name="{field}"')
    after = html[start : html.index("</td>", start) if "</td>" in html[start:] else None]
    if field in ("basic_budget", "duties"):
        after = html[start : html.index("</label>", start)]
    assert said in "".join(_problems(after)), (field, _problems(html))
    assert stored_plan(world_app, world) == before


# Anything a browser (or anyone) might post: a refusal (4xx), never a server fault, and
# nothing stored.
HOSTILE = [
    {"basic_budget": "1e999"},
    {"basic_budget": "NaN"},
    {"basic_budget": "-Infinity"},
    {"basic_budget": "9" * 40},
    {"ind-a-weight": "14.995", "ind-b-weight": "15.005"},
    {"ind-a-target": "95.123456"},
    {"ind-a-target": "999999999999999"},
    {"ind-a-operator": "~"},
    {"ind-a-basis": "gut"},
    {"ind-e-operator": ">=", "ind-e-target": "明显提升"},
    {"ind-a-operator": "qualitative"},
    {"duties": "责" * 5000},
    {"ind-a-name": "名" * 300},
    {"ind-a-unit": "单" * 30},
    {"task-0-amount": "三千万"},
    {"ind-zz-name": "多余的一行"},
    {f"ind-x{i}-name": f"指标{i}" for i in range(40)},
    {f"task-x{i}-name": f"任务{i}" for i in range(40)},
    {"ind-" + "k" * 40 + "-name": "键过长"},
    {"ind-a-weight": "１５"},
]


@pytest.mark.parametrize("change", HOSTILE, ids=range(len(HOSTILE)))
def test_no_posted_table_is_a_server_fault(filing, world_app, world, change):
    client, task_id, _ = filing
    before = stored_plan(world_app, world)
    answer = post_form(client, task_id, {**TABLE, **change})
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400:
        assert stored_plan(world_app, world) == before


def test_a_return_opens_the_refiling_form_with_finance_s_comment(filing, world_app, world, login):
    client, task_id, instance = filing
    filed = post_form(client, task_id, TABLE)
    assert filed.status_code == 302, _problems(filed.text)
    assert stored_plan(world_app, world)[4] == len(INDICATORS)
    review = ready_task(world_app, instance)
    assert (review.form, review.role) == ("review", "finance")
    finance = login("finance")
    page = finance.get(f"/tasks/{review.id}")
    assert "部门整体绩效目标表" in page.text and "群众办事便利度" in page.text
    # The task is about the department's year, linked to its plan.
    plan_id = stored_plan(world_app, world)[0]
    assert f'href="/departments/performance/{plan_id}"' in page.text
    assert f"{NEXT_YEAR} 年度" in page.text and "部门整体绩效审核" in page.text
    comment = "满意度指标值偏低，请调整后重新报送"
    returned = post_form(finance, review.id, {"outcome": "return", "comment": comment})
    assert returned.status_code == 302

    again = ready_task(world_app, instance)
    assert again.form == "department_plan"
    client = login("department")
    page = client.get(f"/tasks/{again.id}")
    assert page.status_code == 200
    assert 'class="returned-note"' in page.text and comment in page.text
    assert TABLE["goal"] in page.text and 'value="群众办事便利度"' in page.text
    assert 'value="12000000"' in page.text
    # The inbox names the department and the year, not the process's business key.
    inbox = client.get("/inbox").text
    assert f"{NEXT_YEAR} 年度" in inbox and "department:" not in inbox


def _approve(world_app, instance: int, login) -> None:
    review = ready_task(world_app, instance)
    assert review.form == "review"
    assert post_form(login("finance"), review.id, {"outcome": "approve"}).status_code == 302


@pytest.fixture
def monitoring(filing, world_app, login):
    """The table approved, September come: the department's monitoring report to file,
    (client, task id, instance, the form's rows with every field filled)."""
    client, task_id, instance = filing
    assert post_form(client, task_id, TABLE).status_code == 302
    _approve(world_app, instance, login)
    fire_timers(world_app, instance, datetime(NEXT_YEAR, 9, 2, tzinfo=UTC))
    task = ready_task(world_app, instance)
    assert task.form == "department_monitoring"
    client = login("department")
    page = client.get(f"/tasks/{task.id}").text
    assert "项目支出" in page and "12,000,000.00" in page
    ids = re.findall(r'name="rows-(\d+)-likelihood"', page)
    assert len(ids) == len(INDICATORS)
    rows = {f"rows-{key}-likelihood": "certain" for key in ids}
    rows |= {f"rows-{key}-actual": "60" for key in ids}
    rows |= {f"rows-{ids[4]}-band": "partly", "basic_executed": "7,000,000"}
    return client, task.id, instance, rows, ids


def _beside(html: str, field: str) -> str:
    """The problems said right after the field `field`."""
    start = html.index(f'name="{field}"')
    return "".join(_problems(html[start : html.index("</td>", start)]))


def test_the_monitoring_form_names_a_wrong_row(monitoring, world_app):
    client, task_id, instance, rows, ids = monitoring
    # A row without its likelihood: the form schema names its position, shown on its row.
    refused = post_form(client, task_id, {**rows, f"rows-{ids[1]}-likelihood": ""})
    assert refused.status_code == 422
    assert "此项必填" in _beside(refused.text, f"rows-{ids[1]}-likelihood")
    # The qualitative row without its band: the engine names the indicator.
    refused = post_form(client, task_id, {**rows, f"rows-{ids[4]}-band": ""})
    assert refused.status_code == 422
    assert "必填" in _beside(refused.text, f"rows-{ids[4]}-band")
    assert "部门整体绩效监控报告有误" in refused.text
    hostile = [
        {"basic_executed": "-1"},
        {"basic_executed": "1e999"},
        {"basic_executed": ""},
        {f"rows-{ids[0]}-actual": "NaN"},
        {f"rows-{ids[0]}-likelihood": "maybe"},
        {f"rows-{ids[4]}-band": "excellent"},
        {"rows-99999999-likelihood": "certain"},
        {f"rows-{ids[2]}-reason": "因" * 3000},
    ]
    for change in hostile:
        answer = post_form(client, task_id, {**rows, **change})
        assert 400 <= answer.status_code < 500, (change, answer.status_code)
    assert ready_task(world_app, instance).id == task_id
    assert post_form(client, task_id, rows).status_code == 302


def test_an_evaluation_asks_the_reason_for_a_shortfall_beside_its_row(
    monitoring, world_app, world, login
):
    client, task_id, instance, rows, ids = monitoring
    assert post_form(client, task_id, rows).status_code == 302
    _approve(world_app, instance, login)
    fire_timers(world_app, instance, datetime(NEXT_YEAR + 1, 3, 2, tzinfo=UTC))
    task = ready_task(world_app, instance)
    assert task.form == "department_self_evaluation"
    client = login("department")
    targets = [target for *_, target, _unit, _weight in INDICATORS]
    scores = {f"scores-{key}-actual": target for key, target in zip(ids, targets, strict=True)}
    scores |= {
        f"scores-{ids[4]}-actual": "",
        f"scores-{ids[4]}-band": "achieved",
        f"scores-{ids[4]}-band_pct": "100",
        "basic_executed": "11000000",
        "summary": "部门整体绩效目标基本完成。",
    }
    # As the user types, the form's preview scores it (nothing is stored).
    plan_id = stored_plan(world_app, world)[0]
    preview = f"/departments/performance/{plan_id}/score-preview"
    shown = client.post(preview, data=scores, headers={"X-CSRF-Token": csrf(client)})
    assert shown.status_code == 200
    assert 'id="dept-score-execution"' in shown.text and "总分" in shown.text
    assert re.search(r'class="grade grade-[ABCD]"', shown.text)
    half = client.post(
        preview, data={"basic_executed": "abc"}, headers={"X-CSRF-Token": csrf(client)}
    )
    assert half.status_code == 200 and "尚有" in half.text
    unit = login("unit")
    unit.get("/inbox")
    refused = unit.post(preview, data=scores, headers={"X-CSRF-Token": csrf(unit)})
    assert refused.status_code == 404
    client = login("department")
    # Satisfaction at 80 of 90: below full points, so a reason is needed on that row.
    short = {**scores, f"scores-{ids[5]}-actual": "80"}
    refused = post_form(client, task.id, short)
    assert refused.status_code == 422
    assert "必填" in _beside(refused.text, f"scores-{ids[5]}-reason")
    assert "部门整体绩效评价未能计分" in refused.text
    refused = post_form(client, task.id, {**scores, f"scores-{ids[4]}-band_pct": "30"})
    assert refused.status_code == 422
    assert "百分比不在所选档次的范围内" in _beside(refused.text, f"scores-{ids[4]}-band")
    refused = post_form(client, task.id, {**scores, f"scores-{ids[4]}-band_pct": "200"})
    assert refused.status_code == 422
    assert "须为 0 到 100 之间的百分比" in _beside(refused.text, f"scores-{ids[4]}-band_pct")
    refused = post_form(client, task.id, {**scores, "basic_executed": ""})
    assert refused.status_code == 422
    assert "此项必填" in _beside(refused.text, "basic_executed")
    for change in (
        {"basic_executed": "1e999"},
        {f"scores-{ids[0]}-actual": "Infinity"},
        {f"scores-{ids[4]}-band_pct": "abc"},
        {f"scores-{ids[4]}-band": "best"},
        {"summary": "结" * 5000},
    ):
        answer = post_form(client, task.id, {**scores, **change})
        assert 400 <= answer.status_code < 500, (change, answer.status_code)
    assert ready_task(world_app, instance).id == task.id
    done = post_form(client, task.id, {**short, f"scores-{ids[5]}-reason": "调查样本偏少"})
    assert done.status_code == 302
    # Finance's form shows the department's self-evaluation beside each row.
    _approve(world_app, instance, login)
    task = ready_task(world_app, instance)
    assert task.form == "department_finance_evaluation"
    page = login("finance").get(f"/tasks/{task.id}").text
    assert "部门自评（供对照）" in page and "调查样本偏少" in page
