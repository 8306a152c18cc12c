"""The target-table editor (绩效目标表): rows by frame level, the indicator library, inline
checks, saving against the version the unit opened, and the spreadsheet both ways."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidInput
from engine.frame_map import branch_weights
from engine.models import TargetTable
from engine.models.enums import Basis, Operator
from engine.targets import editing
from engine.targets.declaration import declaration
from engine.targets.queries import (
    LibraryFilter,
    filing_task,
    frame_nodes,
    get_target_table,
    latest_table_of,
    library_item,
    list_library,
    review_notes,
)
from engine.targets.validation import Problem
from web.auth import current_actor
from web.db import get_session
from web.errors import refusal_status, status_of
from web.i18n import translate
from web.pages.views import page_number, plain_digits
from web.plain_text import is_plain
from web.problem_text import say
from web.targets import target_rows
from web.targets.api import excel_response, load_upload
from web.targets.target_rows import Row

# Ids above what the database holds are "not found", not an overflow deep in the driver.
ID = "int(max=4611686018427387904)"
bp = Blueprint("targets", __name__, template_folder="templates")
bp.add_app_template_filter(target_rows.plain_number, "plain_number")


@bp.app_template_global()
def latest_return(item):
    """The newest "return" decision of the review a revise task answers (None if none)."""
    if item.project is None:
        return None
    notes = review_notes(get_session(), item.project, item.task.process_key)
    return next((note for note in notes if note.outcome == "return"), None)


EXCEL_ERRORS = {
    "file": "targets.excel.not_xlsx",
    "sheet": "targets.excel.no_sheet",
    "header": "targets.excel.header",
}


@bp.get(f"/projects/<{ID}:project_id>/target-table")
def edit_for_project(project_id: int):
    """The newest revision of a project's table (the link a task page or project page uses)."""
    table = latest_table_of(get_session(), current_actor(), project_id)
    return redirect(url_for("targets.edit", table_id=table.id))


@bp.get(f"/target-tables/<{ID}:table_id>/edit")
def edit(table_id: int):
    table = _table(table_id)
    nodes = frame_nodes(get_session(), table.frame_id)
    rows = target_rows.rows_of_table(editing.drafts_of(table, nodes))
    return _render(table, rows, version=table.version)


@bp.post(f"/target-tables/<{ID}:table_id>/edit")
def save(table_id: int):
    session, actor = get_session(), current_actor()
    table = _table(table_id)
    editing.require_editable(actor, table)
    rows = target_rows.posted_rows(request.form)
    version = _version()
    goal = request.form.get("goal", "")
    problems = _problems(table, goal, rows)
    if problems:
        status = status_of(InvalidInput)
        return _render(table, rows, problems, goal=goal, version=version, status=status)
    drafts, _ = target_rows.drafts_of_rows(rows)
    try:
        editing.replace(session, actor, table, editing.TableEdit(goal, drafts), version)
    except Conflict as error:
        if error.errors.get("version") != "stale":
            raise
        status = refusal_status(error)
        return _render(table, rows, goal=goal, version=version, stale=True, status=status)
    flash(translate("targets.saved", version=table.version), "notice")
    return redirect(url_for("targets.edit", table_id=table.id))


@bp.post(f"/target-tables/<{ID}:table_id>/check")
def check(table_id: int):
    """The rows as posted, re-rendered with each problem next to its row and field."""
    table = _table(table_id)
    rows = target_rows.posted_rows(request.form)
    goal = request.form.get("goal", "")
    problems = _problems(table, goal, rows)
    return render_template(
        "targets/_body.html",
        **_context(table, rows, problems, goal=goal, version=_version(), checked=True),
    )


@bp.get(f"/target-tables/<{ID}:table_id>/library")
def library(table_id: int):
    table = _table(table_id)
    where = LibraryFilter(
        functional_class=table.project.functional_class,
        level1=request.args.get("level1") or None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )
    page = list_library(get_session(), where, page_number(), 10, "code")
    return render_template("targets/_library.html", table=table, page=page)


@bp.get(f"/target-tables/<{ID}:table_id>/library/<{ID}:item_id>/row")
def library_row(table_id: int, item_id: int):
    table = _table(table_id)
    row = target_rows.row_from_library(library_item(get_session(), item_id))
    return _row_fragment(table, row)


@bp.get(f"/target-tables/<{ID}:table_id>/blank-row")
def blank_row(table_id: int):
    table = _table(table_id)
    return _row_fragment(
        table, Row(key=target_rows.new_key(), node=request.args.get("node", "")[:40])
    )


@bp.get(f"/target-tables/<{ID}:table_id>/excel")
def download(table_id: int):
    return excel_response(get_session(), _table(table_id))


@bp.get(f"/target-tables/<{ID}:table_id>/print")
def print_form(table_id: int):
    """The table as the 项目支出绩效目标申报表, laid out for paper (scoped like the table)."""
    table = _table(table_id)
    return render_template(
        "targets/print.html", form=declaration(get_session(), table), project=table.project
    )


@bp.post(f"/target-tables/<{ID}:table_id>/excel")
def upload(table_id: int):
    session, actor = get_session(), current_actor()
    table = _table(table_id)
    editing.require_editable(actor, table)
    nodes = frame_nodes(session, table.frame_id)
    rows = target_rows.rows_of_table(editing.drafts_of(table, nodes))
    version = _version()
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise InvalidInput("choose a file to upload", errors={"file": "missing"})
        editing.require_version(table, version)
        loaded = load_upload(session, file)
        table = _table(table_id)
        reading = editing.import_workbook(session, actor, table, loaded, version)
    except InvalidInput as error:
        problem = _upload_error(error)
        status = refusal_status(error)
        return _render(table, rows, version=table.version, upload_error=problem, status=status)
    except Conflict as error:
        if error.errors.get("version") != "stale":
            raise
        status = refusal_status(error)
        return _render(table, rows, version=table.version, stale=True, status=status)
    flash(translate("targets.imported", count=len(reading.drafts)), "notice")
    if reading.shared_weights:
        flash(translate("targets.imported.shared_weights"), "notice")
    return redirect(url_for("targets.edit", table_id=table.id))


@bp.before_request
def _storable_text() -> None:
    """Text no database can store (NUL, lone surrogates) is refused before anything runs."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if not (is_plain(name) and is_plain(value)):
                raise InvalidInput(
                    f"{name!r} contains a NUL character or invalid Unicode",
                    errors={"text": "unstorable"},
                )


def _table(table_id: int) -> TargetTable:
    return get_target_table(get_session(), current_actor(), table_id)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if plain_digits(raw) and len(raw) < 10 else None


def _problems(table: TargetTable, goal: str, rows: list[Row]) -> list[Problem]:
    drafts, parse_problems = target_rows.drafts_of_rows(rows)
    checked = editing.problems_of(get_session(), table, editing.TableEdit(goal, drafts))
    return target_rows.merge(parse_problems, checked)


def _upload_error(error: InvalidInput) -> dict:
    problems = error.errors.get("problems")
    if problems:
        listed = [Problem(**problem) for problem in problems]
        return {
            "message": translate("targets.excel.nothing_imported", count=len(listed)),
            "problems": [(target_rows.where_text(p), target_rows.say(p)) for p in listed],
        }
    file_error = error.errors.get("file")
    if file_error == "missing":
        key = "targets.excel.missing"
    elif file_error == "too large" or "larger than" in error.message:
        key = "targets.excel.too_large"
    else:
        key = next((EXCEL_ERRORS[k] for k in error.errors if k in EXCEL_ERRORS), None)
    return {"message": translate(key) if key else say(error), "problems": []}


def _row_fragment(table: TargetTable, row: Row):
    context = _context(table, [row], [], goal=table.goal, version=table.version)
    return render_template("targets/_row.html", row=row, **context)


def _render(table: TargetTable, rows, problems=(), *, status=200, **options):
    options.setdefault("goal", table.goal)
    context = _context(table, rows, list(problems), **options)
    return render_template("targets/editor.html", **context), status


def _context(
    table: TargetTable,
    rows: list[Row],
    problems: list[Problem],
    *,
    goal: str,
    version: int | None,
    stale: bool = False,
    checked: bool = False,
    upload_error: dict | None = None,
) -> dict:
    session, actor = get_session(), current_actor()
    nodes = frame_nodes(session, table.frame_id)
    level1 = [n for n in nodes if n.level == 1 and not n.fixed_item]
    children = {n.id: [c for c in nodes if c.parent_id == n.id and c.level == 2] for n in level1}
    parent_code = {c.code: n.code for n in level1 for c in children[n.id]}
    groups = {n.code: {"node": n, "children": children[n.id], "rows": []} for n in level1}
    fallback = level1[0].code if level1 else None
    for row in rows:
        code = parent_code.get(row.node, fallback)
        if code is not None:
            groups[code]["rows"].append(row)
    # What each item should weigh: an item left empty may give its weight to another (in the
    # 2021 frame, 成本 to 产出), so 产出 then needs 50 and 成本 nothing.
    expected = branch_weights(nodes, {code for code, group in groups.items() if group["rows"]})
    names = {n.code: n for n in level1}
    for code, group in groups.items():
        group["weight"] = sum((_weight(row) for row in group["rows"]), Decimal(0))
        node = group["node"]
        group["expected"] = expected.get(code, Decimal(0) if node.weight is not None else None)
        group["folded_into"] = (
            names.get(node.folds_into) if node.weight is not None and code not in expected else None
        )
    placed = target_rows.place(problems, rows)
    return {
        "table": table,
        "project": table.project,
        "rows": rows,
        "groups": list(groups.values()),
        "level2": [n for n in nodes if n.level == 2],
        "fixed": [n for n in nodes if n.level == 1 and n.fixed_item],
        "placed": placed,
        "problem_count": len(problems),
        "goal": goal,
        "version": version,
        "stale": stale,
        "checked": checked,
        "upload_error": upload_error,
        "editable": editing.may_edit(actor, table),
        "owner": editing.owns(actor, table.project),
        "operators": list(Operator),
        "bases": list(Basis),
        "notes": review_notes(session, table.project),
        "task": filing_task(session, actor, table.project),
        "total": sum((_weight(row) for row in rows), Decimal(0)),
        "needed": table.frame.total_points - sum(n.weight or 0 for n in nodes if n.fixed_item),
    }


def _weight(row: Row) -> Decimal:
    try:
        value = Decimal(row.weight)
    except ArithmeticError:
        return Decimal(0)
    return value if value.is_finite() and abs(value) < 10**6 else Decimal(0)
