"""Target tables (绩效目标表) and the indicator library: read, edit, validate, Excel both ways."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput
from engine.models import TargetTable
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.targets import editing, excel
from engine.targets.queries import (
    LibraryFilter,
    TableFilter,
    frame_nodes,
    get_target_table,
    list_library,
    list_target_tables,
)
from engine.targets.validation import IndicatorDraft
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.downloads import attachment_disposition
from web.input_guard import MAX_ID
from web.plain_text import plain_text

# Ids above what the database holds are "not found", not an overflow deep in the driver.
ID = "int(max=4611686018427387904)"
blp = Blueprint("target_tables", __name__, description="Performance target tables (绩效目标表)")
protect(blp)

TABLE_COLUMNS = (
    "id",
    "project_id",
    "revision",
    "frame_id",
    "status",
    "submitted_at",
    "approved_at",
    "created_at",
    "version",
)
AS_TEXT = {"type": "string", "format": "decimal"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = [validate.Length(max=2000), plain_text]


class TargetProblemSchema(Schema):
    where = fields.String(
        required=True, metadata={"description": "the row, e.g. indicators[2] or a sheet cell"}
    )
    field = fields.String(required=True)
    reason = fields.String(required=True)
    code = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class TargetValidationSchema(Schema):
    valid = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(TargetProblemSchema), required=True)


class TargetTableSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    unit_id = fields.Integer(required=True, attribute="project.unit_id")
    revision = fields.Integer(required=True)
    frame_id = fields.Integer(required=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class TargetIndicatorSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    node = fields.String(required=True, metadata={"description": "level-2 frame node code"})
    node_name = fields.String(required=True)
    level1 = fields.String(required=True, metadata={"description": "level-1 frame node code"})
    level1_name = fields.String(required=True)
    name = fields.String(required=True)
    operator = fields.Enum(Operator, by_value=True, required=True)
    target_value = fields.Decimal(as_string=True, metadata=AS_TEXT, allow_none=True)
    target_text = fields.String(allow_none=True)
    unit_of_measure = fields.String(required=True)
    weight = fields.Decimal(as_string=True, metadata=AS_TEXT, required=True)
    basis = fields.Enum(Basis, by_value=True, required=True)
    scoring_note = fields.String(allow_none=True)
    library_code = fields.String(allow_none=True)


class TargetTableDetailSchema(TargetTableSchema):
    goal = fields.String(required=True)
    editable = fields.Boolean(required=True, metadata={"description": "you may edit it now"})
    indicators = fields.List(fields.Nested(TargetIndicatorSchema), required=True)


class TargetTableArgs(PageArgs):
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    status = fields.String(validate=validate.OneOf([s.value for s in DocumentStatus]))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class TargetIndicatorInSchema(Schema):
    node = fields.String(required=True, validate=[validate.Length(min=1, max=40), plain_text])
    name = fields.String(required=True, validate=[validate.Length(max=200), plain_text])
    operator = fields.Enum(Operator, by_value=True, required=True)
    target_value = fields.Decimal(allow_none=True, load_default=None)
    target_text = fields.String(allow_none=True, load_default=None, validate=TEXT)
    unit_of_measure = fields.String(load_default="", validate=[validate.Length(max=20), plain_text])
    weight = fields.Decimal(required=True)
    basis = fields.Enum(Basis, by_value=True, load_default=Basis.PLAN)
    scoring_note = fields.String(allow_none=True, load_default=None, validate=TEXT)
    library_code = fields.String(
        allow_none=True, load_default=None, validate=[validate.Length(max=20), plain_text]
    )


class TargetTableReplaceSchema(Schema):
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**31),
        metadata={"description": "the version you loaded; 409 if someone saved since"},
    )
    goal = fields.String(required=True, validate=TEXT)
    indicators = fields.List(
        fields.Nested(TargetIndicatorInSchema), required=True, validate=validate.Length(max=100)
    )


class TargetUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "the .xlsx from the download"})


class TargetUploadArgs(Schema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=2**31),
        metadata={"description": "the version you downloaded; 409 if someone saved since"},
    )


class IndicatorLibraryItemSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    functional_class = fields.String(required=True)
    level1 = fields.String(required=True)
    level2 = fields.String(required=True)
    name = fields.String(required=True)
    operator = fields.Enum(Operator, by_value=True, required=True)
    unit_of_measure = fields.String(required=True)
    typical_min = fields.Decimal(as_string=True, metadata=AS_TEXT, allow_none=True)
    typical_max = fields.Decimal(as_string=True, metadata=AS_TEXT, allow_none=True)
    basis = fields.Enum(Basis, by_value=True, required=True)
    note = fields.String(allow_none=True)


class IndicatorLibraryArgs(PageArgs):
    functional_class = fields.String(validate=[validate.Length(equal=3), plain_text])
    level1 = fields.String(validate=[validate.Length(min=1, max=40), plain_text])
    level2 = fields.String(validate=[validate.Length(min=1, max=40), plain_text])
    q = fields.String(validate=[validate.Length(min=1, max=100), plain_text])


def detail(table: TargetTable) -> dict:
    """The table with each indicator's frame node and level spelled out."""
    session = get_session()
    nodes = {node.id: node for node in frame_nodes(session, table.frame_id)}
    rows = []
    for indicator in table.indicators:
        node = nodes[indicator.node_id]
        parent = nodes.get(node.parent_id) or node
        rows.append(
            {
                "id": indicator.id,
                "position": indicator.position,
                "node": node.code,
                "node_name": node.name_zh,
                "level1": parent.code,
                "level1_name": parent.name_zh,
                **{
                    name: getattr(indicator, name)
                    for name in (
                        "name",
                        "operator",
                        "target_value",
                        "target_text",
                        "unit_of_measure",
                        "weight",
                        "basis",
                        "scoring_note",
                        "library_code",
                    )
                },
            }
        )
    return {
        **{name: getattr(table, name) for name in TABLE_COLUMNS},
        "project": table.project,
        "goal": table.goal,
        "editable": editing.may_edit(current_actor(), table),
        "indicators": rows,
    }


def _drafts(rows: list[dict]) -> list[IndicatorDraft]:
    return [
        IndicatorDraft(
            node_code=row["node"],
            name=row["name"],
            operator=row["operator"],
            target_value=row["target_value"],
            target_text=row["target_text"],
            unit_of_measure=row["unit_of_measure"],
            weight=row["weight"],
            basis=row["basis"],
            scoring_note=row["scoring_note"],
            library_code=row["library_code"],
            where=editing.row_name(index),
        )
        for index, row in enumerate(rows)
    ]


@blp.route("/target-tables/")
class TargetTables(MethodView):
    @blp.arguments(TargetTableArgs, location="query")
    @blp.response(200, page_of(TargetTableSchema))
    def get(self, args):
        """List the target tables you may see (sort: id or status, - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_target_tables(
            get_session(),
            current_actor(),
            TableFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route(f"/target-tables/<{ID}:table_id>")
class TargetTableDetail(MethodView):
    @blp.response(200, TargetTableDetailSchema)
    @blp.alt_response(404, description="no such table, or outside your scope")
    def get(self, table_id: int):
        """One target table with its goal and indicators."""
        return detail(get_target_table(get_session(), current_actor(), table_id))

    @blp.arguments(TargetTableReplaceSchema)
    @blp.response(200, TargetTableDetailSchema)
    @blp.alt_response(403, description="only the owning unit may edit")
    @blp.alt_response(404, description="no such table, or outside your scope")
    @blp.alt_response(409, description="stale version, or the table is not being filed")
    @blp.alt_response(422, description="the table is invalid; errors.problems names each row")
    def put(self, body, table_id: int):
        """Replace the goal and indicators of a draft or returned table your unit owns."""
        session, actor = get_session(), current_actor()
        table = get_target_table(session, actor, table_id)
        edit = editing.TableEdit(body["goal"], _drafts(body["indicators"]))
        editing.replace(session, actor, table, edit, body["version"])
        return detail(get_target_table(session, actor, table_id))


@blp.route(f"/target-tables/<{ID}:table_id>/validation")
class TargetTableValidation(MethodView):
    @blp.response(200, TargetValidationSchema)
    @blp.alt_response(404, description="no such table, or outside your scope")
    def get(self, table_id: int):
        """The stored table's problems, checked as if it were filed now (nothing is saved)."""
        session = get_session()
        table = get_target_table(session, current_actor(), table_id)
        nodes = frame_nodes(session, table.frame_id)
        edit = editing.TableEdit(table.goal, editing.drafts_of(table, nodes))
        problems = [editing.plain(p) for p in editing.problems_of(session, table, edit)]
        return {"valid": not problems, "problems": problems}


@blp.route(f"/target-tables/<{ID}:table_id>/excel")
class TargetTableExcel(MethodView):
    @blp.response(200, content_type=XLSX, description="the 绩效目标申报表 workbook")
    @blp.alt_response(404, description="no such table, or outside your scope")
    def get(self, table_id: int):
        """Download the table as the usual spreadsheet (.xlsx)."""
        session = get_session()
        table = get_target_table(session, current_actor(), table_id)
        return excel_response(session, table)

    @blp.arguments(TargetUploadSchema, location="files")
    @blp.arguments(TargetUploadArgs, location="query")
    @blp.response(200, TargetTableDetailSchema)
    @blp.alt_response(403, description="only the owning unit may edit")
    @blp.alt_response(404, description="no such table, or outside your scope")
    @blp.alt_response(409, description="stale version, or the table is not being filed")
    @blp.alt_response(422, description="nothing imported; errors.problems names each cell")
    def post(self, files, args, table_id: int):
        """Replace the table from a filled-in spreadsheet: all rows or none."""
        session, actor = get_session(), current_actor()
        table = get_target_table(session, actor, table_id)
        editing.require_editable(actor, table)
        editing.require_version(table, args.get("version"))
        loaded = load_upload(session, files["file"])
        table = get_target_table(session, actor, table_id)
        editing.import_workbook(session, actor, table, loaded, args.get("version"))
        return detail(get_target_table(session, actor, table_id))


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refusing more than the import accepts before reading it all."""
    data = upload.read(excel.MAX_BYTES + 1)
    if len(data) > excel.MAX_BYTES:
        raise InvalidInput(
            f"the file is larger than {excel.MAX_BYTES // 1024**2} MB", errors={"file": "too large"}
        )
    return data


def load_upload(session, upload) -> excel.Loaded:
    """The uploaded workbook, parsed while the request holds no transaction (so no lock).

    What the request read so far (who is calling, whether the table may be edited) is ended
    first: on SQLite a writing session holds the write lock from its first statement, and a
    workbook's parsing must not keep everyone else waiting. The import then checks the table
    again in a new transaction, from fresh rows.
    """
    try:
        data = read_upload(upload)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    session.commit()
    session.expire_all()
    return excel.load(data)


def excel_response(session, table: TargetTable) -> Response:
    name = f"target-table-{table.project.code}-r{table.revision}.xlsx"
    return Response(
        excel.export_table(session, table),
        mimetype=XLSX,
        headers={"Content-Disposition": attachment_disposition(name)},
    )


@blp.route("/indicator-library/")
class IndicatorLibrary(MethodView):
    @blp.arguments(IndicatorLibraryArgs, location="query")
    @blp.response(200, page_of(IndicatorLibraryItemSchema))
    def get(self, args):
        """The library of common indicators, by functional class and level (sort: code, id)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_library(
            get_session(), LibraryFilter(**args), paging["page"], paging["per_page"], paging["sort"]
        )
