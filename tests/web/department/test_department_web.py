"""部门整体绩效 on the web: the lived-in year's departments filed, reported and were evaluated;
each role lists the plans in its scope (a department its own, a finance desk its departments',
performance and supervisors all, units and evaluators none) and reads one with its table,
monitoring and evaluations; the pages show them in Chinese and in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from engine.models import DepartmentEvaluation, DepartmentPlan, FiscalYear, HumanTask, Organisation
from tests.web.department.support import NEXT_YEAR, ready_task, start_next_year

API = "/api/v1/department-plans/"


def _plans(world_app) -> dict[int, tuple[int, int | None]]:
    """Every plan: id → (department id, its finance desk)."""
    with world_app.extensions["budgetloop.sessions"]() as session:
        return {
            plan.id: (plan.org_id, session.get(Organisation, plan.org_id).finance_desk_id)
            for plan in session.scalars(select(DepartmentPlan).order_by(DepartmentPlan.id))
        }


def _listed(client, world, role: str, query: str = "") -> list[dict]:
    answer = client.get(f"{API}?per_page=200{query}", headers=world.headers(role))
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def test_each_role_lists_the_plans_in_its_scope(world_app, world_client, world):
    plans = _plans(world_app)
    assert len(plans) >= 3, "the lived-in year has departments on more than one desk"
    expected = {
        "department": {i for i, (org, _) in plans.items() if org == world["department"].org_id},
        "finance": {i for i, (_, desk) in plans.items() if desk == world["finance"].org_id},
        "performance": set(plans),
        "supervisor": set(plans),
        "unit": set(),
        "evaluator": set(),
    }
    assert expected["department"] and expected["finance"] > expected["department"]
    assert expected["finance"] != set(plans)
    for role, ids in expected.items():
        assert {item["id"] for item in _listed(world_client, world, role)} == ids, role
    assert world_client.get(API).status_code == 401


def test_a_listed_plan_says_where_it_stands(world_app, world_client, world):
    with world_app.extensions["budgetloop.sessions"]() as session:
        graded = {
            (e.plan_id, e.kind): e.grade
            for e in session.scalars(select(DepartmentEvaluation))
            if e.status.value == "final"
        }
    items = _listed(world_client, world, "supervisor", "&year=2026")
    assert items and {item["year"] for item in items} == {2026}
    for item in items:
        assert item["department_name"] and item["department_code"]
        assert item["status"] == "final"
        assert item["self_grade"] == graded.get((item["id"], "self"))
        assert item["finance_grade"] == graded.get((item["id"], "finance"))
        assert item["grade"] == (item["finance_grade"] or item["self_grade"])
        assert item["colour"] in ("green", "yellow", "red", None)
    finance_evaluated = [item for item in items if item["finance_grade"]]
    assert finance_evaluated, "the lived-in year has a department finance evaluated"
    assert _listed(world_client, world, "supervisor", "&year=2031") == []
    assert _listed(world_client, world, "supervisor", "&status=draft") == []
    one = items[0]
    assert [i["id"] for i in _listed(world_client, world, "supervisor", f"&org_id={one['org_id']}")]
    for bad in ("status=maybe", "year=1999", "org_id=0", "sort=name", "per_page=1000"):
        answer = world_client.get(f"{API}?{bad}", headers=world.headers("unit"))
        assert answer.status_code == 422, bad


def test_a_plan_reads_with_its_table_monitoring_and_evaluations(world_app, world_client, world):
    plans = _plans(world_app)
    own = next(i for i, (org, _) in plans.items() if org == world["department"].org_id)
    answer = world_client.get(f"{API}{own}", headers=world.headers("department"))
    assert answer.status_code == 200
    plan = answer.json
    assert plan["duties"] and plan["goal"] and plan["key_tasks"]
    assert plan["frame"] == "department"
    weights = sum(float(i["weight"]) for i in plan["indicators"])
    assert weights == 90
    for indicator in plan["indicators"]:
        assert indicator["level1"]["name_zh"] and indicator["level2"]["name_zh"]
    levels = {i["level1"]["code"] for i in plan["indicators"]}
    assert {"output", "effect", "satisfaction"} <= levels
    monitoring = plan["monitoring"]
    assert monitoring["status"] == "approved" and len(monitoring["rows"]) == len(plan["indicators"])
    kinds = [e["kind"] for e in plan["evaluations"]]
    assert kinds[0] == "self"
    counting = next(e for e in reversed(plan["evaluations"]) if e["status"] == "final")
    assert plan["grade"] == counting["grade"]
    scores = plan["evaluations"][0]["scores"]
    assert scores[0]["key"] == "execution" and len(scores) == len(plan["indicators"]) + 1


def test_a_plans_instance_shows_where_its_process_is(world_app, world_client, world):
    plans = _plans(world_app)
    own = next(i for i, (org, _) in plans.items() if org == world["department"].org_id)
    answer = world_client.get(f"{API}{own}/instance", headers=world.headers("department"))
    assert answer.status_code == 200, answer.json
    instance = answer.json
    assert instance["plan_id"] == own and "project_id" not in instance
    assert instance["process_key"] == "department_performance"
    top = instance["diagrams"][0]
    assert top["process"] == "department_performance" and top["definition_id"]
    assert {"Task_FilePlan", "Task_SelfEvaluation"} <= set(top["completed"]), top
    called = {d["called_as"] for d in instance["diagrams"][1:]}
    assert called, "the plan's review is a diagram of its own"
    steps = [h for h in instance["history"] if h["kind"] == "task"]
    assert steps and all(h["at"] for h in steps)
    assert any(h["actor"] and h["actor"].startswith("user:") for h in steps)
    # The same 404 as the plan's outside the scope; a plan with no instance says so.
    other = next(i for i, (org, _) in plans.items() if org != world["department"].org_id)
    hidden = world_client.get(f"{API}{other}/instance", headers=world.headers("department"))
    assert hidden.status_code == 404
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        plan = session.get(DepartmentPlan, own)
        plan.fiscal_year_id = session.scalar(
            select(FiscalYear.id).where(FiscalYear.year != plan.fiscal_year.year)
        )
    orphan = world_client.get(f"{API}{own}/instance", headers=world.headers("department"))
    assert orphan.status_code == 404
    assert orphan.json["errors"] == {"instance": "none"}


def test_a_plan_outside_the_scope_is_not_found(world_app, world_client, world):
    plans = _plans(world_app)
    other = next(i for i, (org, _) in plans.items() if org != world["department"].org_id)
    elsewhere = next(i for i, (_, desk) in plans.items() if desk != world["finance"].org_id)
    for role, plan_id in (
        ("department", other),
        ("finance", elsewhere),
        ("unit", other),
        ("evaluator", other),
    ):
        answer = world_client.get(f"{API}{plan_id}", headers=world.headers(role))
        assert answer.status_code == 404, role
        assert answer.json["code"] == "not_found"
    for plan_id in (other, elsewhere):
        seen = world_client.get(f"{API}{plan_id}", headers=world.headers("supervisor"))
        assert seen.status_code == 200
    for big in (2**31, 2**62, 2**63):
        answer = world_client.get(f"{API}{big}", headers=world.headers("performance"))
        assert answer.status_code == 404, big


def test_the_pages_list_and_show_a_plan_in_both_languages(login, world_app, world):
    client = login("performance")
    page = client.get("/departments/performance?year=2026")
    assert page.status_code == 200
    html = page.text
    assert "部门整体绩效" in html and "年中预算执行率" in html and "评价等级" in html
    plans = _plans(world_app)
    for plan_id in plans:
        assert f'data-plan="{plan_id}"' in html
    english = client.get("/departments/performance?year=2026&lang=en").text
    assert "Department overall performance" in english and "Mid-year execution" in english
    plan_id = next(iter(plans))
    detail = client.get(f"/departments/performance/{plan_id}?lang=zh-CN").text
    for heading in ("部门整体绩效目标表", "重点工作任务", "绩效指标", "绩效运行监控", "绩效评价"):
        assert heading in detail, heading
    assert "部门整体支出绩效自评" in detail and "流程实例" in detail
    assert "产出指标" in detail and "履职目标实现指标" in detail
    english = client.get(f"/departments/performance/{plan_id}?lang=en").text
    assert "Overall target table" in english and "Key work tasks" in english
    assert "duties fulfilled" in english
    # A qualitative target reads with the page's own punctuation.
    assert "qualitative: " in english and "qualitative：" not in english
    assert "定性：" in detail
    for missing in (999999, 2**31, 2**62):
        assert client.get(f"/departments/performance/{missing}").status_code == 404
    assert client.get("/departments/performance?year=1999").status_code == 422
    assert client.get("/departments/performance?status=maybe").status_code == 422


def test_the_pages_keep_to_the_scope(login, world_app, world):
    plans = _plans(world_app)
    other = next(i for i, (org, _) in plans.items() if org != world["department"].org_id)
    client = login("department")
    listed = client.get("/departments/performance").text
    for plan_id, (org, _) in plans.items():
        assert (f'data-plan="{plan_id}"' in listed) == (org == world["department"].org_id)
    assert client.get(f"/departments/performance/{other}").status_code == 404
    client = login("unit")
    page = client.get("/departments/performance")
    assert page.status_code == 200 and "没有可查看的部门整体绩效目标" in page.text
    assert client.get(f"/departments/performance/{other}").status_code == 404


def test_the_nav_shows_the_page_to_those_whose_scope_holds_departments(login):
    shown = {}
    for role in ("unit", "department", "finance", "performance", "evaluator", "supervisor"):
        shown[role] = 'href="/departments/performance"' in login(role).get("/inbox").text
    assert shown == {
        "unit": False,
        "department": True,
        "finance": True,
        "performance": True,
        "supervisor": True,
        "evaluator": False,
    }


def test_the_list_says_where_each_plan_is_and_who_has_it(login, world_app, world):
    instance_id = start_next_year(world_app, world)
    task = ready_task(world_app, instance_id)
    # The filing has no deadline of its own; give it one, as the evaluation steps have.
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        session.get(HumanTask, task.id).due_at = datetime(2028, 4, 15, 15, 59, 59, tzinfo=UTC)
    client = login("finance")
    html = client.get(f"/departments/performance?year={NEXT_YEAR}").text
    row = html.split('data-plan="', 1)[1].split("</tr>", 1)[0]
    assert "当前环节" in html
    assert task.name in row and "主管部门" in row
    assert "2028-04-15 前办理" in row
    done = client.get("/departments/performance?year=2026").text
    rows = done.split('data-plan="')[1:]
    assert rows and all("已结束" in r.split("</tr>", 1)[0] for r in rows)
    english = client.get(f"/departments/performance?year={NEXT_YEAR}&lang=en").text
    assert "Where it is" in english and "Department" in english.split('data-plan="', 1)[1]
    plan_id = row.split('"', 1)[0]
    detail = client.get(f"/departments/performance/{plan_id}?lang=zh-CN").text
    assert task.name in detail and "2028-04-15 前办理" in detail


def test_the_detail_adds_up_the_key_tasks_and_gives_units_and_the_rate(login, world_app):
    with world_app.extensions["budgetloop.sessions"]() as session:
        plan = session.scalars(
            select(DepartmentPlan).where(DepartmentPlan.key_tasks.is_not(None))
        ).first()
        total = sum(Decimal(str(task["amount"])) for task in plan.key_tasks)
        units = {i.unit_of_measure for i in plan.indicators if i.unit_of_measure}
        plan_id = plan.id
    html = login("performance").get(f"/departments/performance/{plan_id}").text
    shown = re.search(r'class="num key-tasks-total">([^<]+)<', html)[1]
    assert Decimal(shown.replace(",", "")) == total
    progress = html[html.index("department-progress-view") :]
    progress = progress[: progress.index("</table>")]
    assert units and any(f" {unit}</td>" in progress for unit in units), progress
    scores = html[html.index("department-scores-view") :]
    assert re.search(
        r"已执行 [\d,.]+ 元 / 预算 [\d,.]+ 元 <span class=\"muted\">\(\d+\.\d%\)", scores
    )
