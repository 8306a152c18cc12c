"""The projects pages and the target-table editor, driven through the test client."""

from __future__ import annotations

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.models import Indicator, TargetTable
from engine.models.enums import DocumentStatus
from tests.support.target_workbooks import GOAL, ministry_template, provincial_export
from tests.web.conftest import csrf

HTML = {"Accept": "text/html"}
HTMX = {"HX-Request": "true"}


def _draft(world_app, world) -> TargetTable:
    engine = world_app.extensions["budgetloop.engine"]
    from engine.models import Project

    with engine.connect() as connection:
        return connection.execute(
            select(TargetTable)
            .join(Project, Project.id == TargetTable.project_id)
            .where(
                Project.unit_id == world["unit"].org_id,
                TargetTable.status == DocumentStatus.DRAFT,
            )
            .order_by(TargetTable.id)
            .limit(1)
        ).one()


def _fields(page: str) -> MultiDict:
    """The editor form's fields as a browser would post them (inputs, selected options, goal)."""
    form = page[
        page.index('id="target-form"') : page.index("</form>", page.index('id="target-form"'))
    ]
    fields = []
    for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>", form):
        kind, attrs = tag.groups()
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        if kind == "input":
            fields.append((name[1], re.search(r'value="([^"]*)"', attrs)[1]))
        elif kind == "textarea":
            fields.append((name[1], form[tag.end() : form.index("</textarea>", tag.end())]))
        else:
            body = form[tag.end() : form.index("</select>", tag.end())]
            chosen = re.search(r'<option value="([^"]*)" selected', body)
            fields.append((name[1], chosen[1] if chosen else ""))
    return MultiDict([(k, _unescape(v)) for k, v in fields])


def _unescape(text: str) -> str:
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def _with(fields: MultiDict, name: str, value: str) -> MultiDict:
    return MultiDict([(k, value if k == name else v) for k, v in fields.items(multi=True)])


def test_projects_list_and_history(login, world_client, world_app, world):
    login("unit")
    listing = world_client.get("/projects?year=2027&status=filing", headers=HTML)
    assert listing.status_code == 200
    assert "项目名称" in listing.text
    table = _draft(world_app, world)
    page = world_client.get(f"/projects/{table.project_id}", headers=HTML)
    assert page.status_code == 200
    assert "绩效目标表（各修订版）" in page.text
    assert f"/target-tables/{table.id}/edit" in page.text
    assert world_client.get("/projects?status=nonsense", headers=HTML).status_code == 422


def test_another_unit_gets_404(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("unit", stranger=True)
    assert world_client.get(f"/target-tables/{table.id}/edit", headers=HTML).status_code == 404
    assert world_client.get(f"/projects/{table.project_id}", headers=HTML).status_code == 404


def test_the_editor_renders_in_chinese_and_english(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("unit")
    chinese = world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
    assert chinese.status_code == 200
    for label in ("绩效目标表", "年度总体目标", "三级指标名称", "共性指标库", "校验", "产出指标"):
        assert label in chinese.text
    english = world_client.get(f"/target-tables/{table.id}/edit?lang=en", headers=HTML)
    assert english.status_code == 200
    for label in ("Performance target table", "Overall goal", "Indicator library", "Check"):
        assert label in english.text
    library = world_client.get(f"/target-tables/{table.id}/library?level1=output", headers=HTMX)
    assert library.status_code == 200 and 'hx-target="#group-output"' in library.text


def test_check_shows_each_problem_at_its_field_and_save_refuses(
    login, world_client, world_app, world
):
    table = _draft(world_app, world)
    login("unit")
    page = world_client.get(f"/target-tables/{table.id}/edit", headers=HTML).text
    fields = _fields(page)
    fine = world_client.post(f"/target-tables/{table.id}/check", data=fields, headers=HTMX)
    assert 'data-code="valid"' in fine.text
    broken = _with(fields, "rows-0-weight", "abc")
    checked = world_client.post(f"/target-tables/{table.id}/check", data=broken, headers=HTMX)
    row = re.search(r'<tr id="row-0".*?</tr>', checked.text, re.S)[0]
    assert "“abc”不是数字" in row
    saved = world_client.post(f"/target-tables/{table.id}/edit", data=broken, headers=HTML)
    assert saved.status_code == 422
    assert _draft(world_app, world).version == table.version


def test_save_then_a_stale_save_says_someone_else_changed_it(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("unit")
    fields = _fields(world_client.get(f"/target-tables/{table.id}/edit", headers=HTML).text)
    changed = _with(fields, "goal", "新的年度总体目标")
    first = world_client.post(f"/target-tables/{table.id}/edit", data=changed, headers=HTML)
    assert first.status_code == 302
    assert _draft(world_app, world).goal == "新的年度总体目标"
    second = world_client.post(f"/target-tables/{table.id}/edit", data=fields, headers=HTML)
    assert second.status_code == 409
    assert "他人已修改" in second.text
    assert _draft(world_app, world).goal == "新的年度总体目标"


def test_page_upload_with_errors_imports_nothing(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("unit")
    world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
    response = world_client.post(
        f"/target-tables/{table.id}/excel",
        data={
            "csrf_token": csrf(world_client),
            "version": str(table.version),
            "file": (io.BytesIO(b"junk"), "x.xlsx"),
        },
        headers=HTML,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "未导入" in response.text
    assert _draft(world_app, world).version == table.version


def test_the_department_sees_the_table_read_only(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("department")
    page = world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
    assert page.status_code == 200
    assert "只读" in page.text and 'name="rows-0-name"' not in page.text
    fields = {"csrf_token": csrf(world_client), "version": str(table.version)}
    assert (
        world_client.post(f"/target-tables/{table.id}/edit", data=fields, headers=HTML).status_code
        == 403
    )


def test_page_text_no_database_can_store_is_422(login, world_client, world_app, world):
    table = _draft(world_app, world)
    login("unit")
    fields = _with(
        _fields(world_client.get(f"/target-tables/{table.id}/edit", headers=HTML).text),
        "goal",
        "目标\x00",
    )
    response = world_client.post(f"/target-tables/{table.id}/edit", data=fields, headers=HTML)
    assert response.status_code == 422
    assert world_client.get("/projects?q=%00", headers=HTML).status_code == 422


def _upload_page(world_client, table, data: bytes):
    world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
    return world_client.post(
        f"/target-tables/{table.id}/excel",
        data={
            "csrf_token": csrf(world_client),
            "version": str(table.version),
            "file": (io.BytesIO(data), "申报表.xlsx"),
        },
        headers=HTML,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_the_ministry_template_uploads_and_says_the_weights_were_shared(
    login, world_client, world_app, world
):
    table = _draft(world_app, world)
    login("unit")
    book = ministry_template()
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload_page(world_client, table, buffer.getvalue())
    assert response.status_code == 200
    assert "已从 Excel 导入 5 项指标。" in response.text
    assert "各一级指标的分值已按指标体系平均分配" in response.text
    after = _draft(world_app, world)
    assert after.version == table.version + 1 and after.goal == GOAL


def test_a_percentage_out_of_range_is_named_in_chinese_and_nothing_changes(
    login, world_client, world_app, world
):
    table = _draft(world_app, world)
    login("unit")
    book = provincial_export()
    book["绩效目标申报表"]["F6"] = 1.5  # shown as 150.0%
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload_page(world_client, table, buffer.getvalue())
    assert response.status_code == 422
    assert "工作表“绩效目标申报表”第 6 行 F 列（指标值）" in response.text
    assert "150% 不在 0–100 之间" in response.text
    assert _draft(world_app, world).version == table.version


def _names(world_app, table) -> list[str]:
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(Indicator.name)
                .where(Indicator.target_table_id == table.id)
                .order_by(Indicator.position)
            )
        )


def test_the_print_form_is_the_declaration_scoped_like_the_table(
    login, world_client, world_app, world
):
    table = _draft(world_app, world)
    login("unit")
    editor = world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
    assert f'href="/target-tables/{table.id}/print"' in editor.text
    page = world_client.get(f"/target-tables/{table.id}/print", headers=HTML)
    assert page.status_code == 200
    text = page.text
    for label in (
        "项目支出绩效目标申报表",
        "主管部门",
        "实施单位",
        "申报金额（万元）",
        "年度总体目标",
    ):
        assert label in text
    for label in ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "分值"):
        assert f">{label}</th>" in text
    assert "指标值确定依据" in text and "预算执行率" in text
    for name in _names(world_app, table):
        assert name in text
    # One 一级指标 cell spans all of its rows, as the paper form merges it.
    assert re.search(r'<th scope="rowgroup" rowspan="\d+" class="level1">产出指标', text)
    assert "data-print" in text and "js/print.js" in text
    assert "E+" not in text  # amounts and values never in scientific notation
    english = world_client.get(f"/target-tables/{table.id}/print?lang=en", headers=HTML)
    assert "Project expenditure performance target declaration" in english.text
    assert "output" in english.text and "产出指标" not in english.text
    login("department")
    assert world_client.get(f"/target-tables/{table.id}/print", headers=HTML).status_code == 200
    login("unit", stranger=True)
    assert world_client.get(f"/target-tables/{table.id}/print", headers=HTML).status_code == 404
    assert world_client.get("/target-tables/999999999/print", headers=HTML).status_code == 404


def test_a_cancelled_projects_draft_is_read_only_and_says_why(
    login, world_client, world_app, world
):
    # 不予支持 by the ex-ante assessment cancels a project before it files: its seeded draft
    # stayed open in the editor, to be filed for a project that is not in the year.
    from engine.models import Project
    from engine.models.enums import ProjectStatus

    table = _draft(world_app, world)
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session, session.begin():
        project = session.get(Project, table.project_id)
        status, project.status = project.status, ProjectStatus.CANCELLED
    try:
        login("unit")
        page = world_client.get(f"/target-tables/{table.id}/edit", headers=HTML)
        assert page.status_code == 200 and 'name="rows-0-name"' not in page.text
        assert "只读：项目已撤销（如事前绩效评估不予支持）" in page.text
        fields = _fields(page.text)
        fields["csrf_token"], fields["version"] = csrf(world_client), str(table.version)
        saved = world_client.post(f"/target-tables/{table.id}/edit", data=fields, headers=HTML)
        assert saved.status_code == 409 and "已撤销" in saved.text
        assert _draft(world_app, world).version == table.version
    finally:
        with sessions() as session, session.begin():
            session.get(Project, table.project_id).status = status
