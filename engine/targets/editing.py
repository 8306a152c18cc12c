"""Editing a target table while its unit files or revises it: all or nothing, audited.

The form, the API and a spreadsheet upload all end here. A save names the version it was
based on; if someone saved in between, the save is refused (409) rather than silently
overwriting their change. Nothing is stored unless every check passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import FrameNode, Indicator, TargetTable
from engine.models.enums import DocumentStatus, ProjectStatus
from engine.targets import excel
from engine.targets.queries import frame_nodes, owns
from engine.targets.validation import IndicatorDraft, Problem, check

EDITABLE = (DocumentStatus.DRAFT, DocumentStatus.RETURNED)
MAX_GOAL = 2000
# The columns are scaled integers (weights in 1/100, values in 1/10,000): keep inside them.
WEIGHT_PLACES, VALUE_PLACES = 2, 4
MAX_WEIGHT, MAX_VALUE = Decimal(1000), Decimal(10) ** 12


@dataclass(frozen=True)
class TableEdit:
    """A whole table as filed: its overall goal and its indicators in order."""

    goal: str
    drafts: list[IndicatorDraft]


def may_edit(actor: Actor, table: TargetTable) -> bool:
    return (
        owns(actor, table.project)
        and table.status in EDITABLE
        and table.project.status is not ProjectStatus.CANCELLED
    )


def require_editable(actor: Actor, table: TargetTable) -> None:
    """Forbidden unless the caller is the owning unit; Conflict unless it is being filed."""
    if not owns(actor, table.project):
        raise Forbidden(
            f"only the unit that owns project {table.project.code} may edit its target table",
            errors={"target_table": "not the owning unit"},
        )
    if table.status not in EDITABLE:
        raise Conflict(
            f"target table {table.id} is {table.status.value}: it can be edited only while "
            "it is being filed (draft) or revised after a return (returned)",
            errors={"status": table.status.value},
        )
    if table.project.status is ProjectStatus.CANCELLED:
        # Not supported by its ex-ante assessment (or cancelled since): the project does not
        # enter the year, so its draft is never filed; an edit would be work for nothing.
        raise Conflict(
            f"project {table.project.code} is cancelled: its target table is not filed",
            errors={"status": "cancelled"},
            key="table_of_cancelled_project",
            params={"code": table.project.code},
        )


def require_version(table: TargetTable, version: int | None) -> None:
    if version is not None and version != table.version:
        raise Conflict(
            f"target table {table.id} was changed by someone else since you opened it "
            f"(you had version {version}, it is now at version {table.version}); "
            "reload it and make your change again",
            errors={"version": "stale"},
        )


def drafts_of(table: TargetTable, nodes: list[FrameNode]) -> list[IndicatorDraft]:
    """The table's stored indicators as drafts (what the editor starts from)."""
    codes = {node.id: node.code for node in nodes}
    return [
        IndicatorDraft(
            node_code=codes.get(indicator.node_id, ""),
            name=indicator.name,
            operator=indicator.operator,
            target_value=indicator.target_value,
            target_text=indicator.target_text,
            unit_of_measure=indicator.unit_of_measure,
            weight=indicator.weight,
            basis=indicator.basis,
            scoring_note=indicator.scoring_note,
            library_code=indicator.library_code,
            where=row_name(index),
        )
        for index, indicator in enumerate(table.indicators)
    ]


def row_name(index: int) -> str:
    """How a problem names an indicator row (0-based, as in the API's `indicators` list)."""
    return f"indicators[{index}]"


def problems_of(session: Session, table: TargetTable, edit: TableEdit) -> list[Problem]:
    """Every problem of `edit` as a filing of `table` (empty when it may be saved)."""
    nodes = frame_nodes(session, table.frame_id)
    problems = [*_goal_problems(edit.goal), *storage_problems(edit.drafts)]
    return problems + check(edit.drafts, nodes, table.frame.total_points)


def replace(
    session: Session, actor: Actor, table: TargetTable, edit: TableEdit, version: int | None
) -> TargetTable:
    """Replace the goal and indicators of a table the caller's unit is filing; all or nothing."""
    require_editable(actor, table)
    require_version(table, version)
    problems = problems_of(session, table, edit)
    if problems:
        raise _invalid("the target table was not saved", problems)
    _store(session, table, edit)
    audit.append(
        session,
        actor=actor.name,
        action="target_table.replace",
        object_type="target_table",
        object_id=table.id,
        payload={"version": table.version, "indicators": len(edit.drafts), "via": "editor"},
    )
    return table


def import_workbook(
    session: Session,
    actor: Actor,
    table: TargetTable,
    data: bytes | excel.Loaded,
    version: int | None = None,
) -> excel.Reading:
    """Replace the table from an uploaded workbook; an error names sheet, row, column, reason.

    Pass the workbook already loaded (excel.load) to parse it before the write transaction.
    """
    require_editable(actor, table)
    require_version(table, version)
    nodes = frame_nodes(session, table.frame_id)
    reading = excel.read_workbook(data, nodes)
    problems = reading.problems
    if not problems:
        edit = TableEdit(reading.goal or "", reading.drafts)
        problems = reading.locate(problems_of(session, table, edit))
    if problems:
        raise _invalid("nothing was imported", problems)
    _store(session, table, TableEdit(reading.goal, reading.drafts))
    audit.append(
        session,
        actor=actor.name,
        action="target_table.import",
        object_type="target_table",
        object_id=table.id,
        payload={
            "version": table.version,
            "indicators": len(reading.drafts),
            "via": "excel",
            "sheet": reading.sheet,
            "weights": "shared evenly" if reading.shared_weights else "from the sheet",
        },
    )
    return reading


def _store(session: Session, table: TargetTable, edit: TableEdit) -> None:
    by_code = {node.code: node.id for node in frame_nodes(session, table.frame_id)}
    session.execute(delete(Indicator).where(Indicator.target_table_id == table.id))
    for position, draft in enumerate(edit.drafts, start=1):
        session.add(
            Indicator(
                target_table_id=table.id,
                node_id=by_code[draft.node_code],
                position=position,
                name=draft.name.strip(),
                operator=draft.operator,
                target_value=draft.target_value,
                target_text=(draft.target_text or "").strip() or None,
                unit_of_measure=(draft.unit_of_measure or "").strip(),
                weight=draft.weight,
                basis=draft.basis,
                scoring_note=draft.scoring_note,
                library_code=draft.library_code,
            )
        )
    table.goal = edit.goal.strip()
    # Indicators live in their own rows: touch the table so its version moves on every save.
    flag_modified(table, "goal")
    session.flush()
    session.expire(table, ["indicators"])


def _goal_problems(goal: str) -> list[Problem]:
    if not (goal or "").strip():
        return [Problem("", "goal", "the overall goal is required", "goal_missing")]
    if len(goal) > MAX_GOAL:
        return [
            Problem("", "goal", f"longer than {MAX_GOAL} characters", "goal_long", {"max": 2000})
        ]
    return []


def storage_problems(drafts: list[IndicatorDraft]) -> list[Problem]:
    """What would not fit the columns: weights and targets with too many places or too large,
    texts too long (a department's table is held to the same)."""
    problems = []
    for draft in drafts:
        for name, value, places, limit in (
            ("weight", draft.weight, WEIGHT_PLACES, MAX_WEIGHT),
            ("target", draft.target_value, VALUE_PLACES, MAX_VALUE),
        ):
            if value is None or not value.is_finite():
                continue
            if value.as_tuple().exponent < -places:
                problems.append(
                    Problem(
                        draft.where,
                        name,
                        f"at most {places} decimal places",
                        "places",
                        {"places": places},
                    )
                )
            elif abs(value) > limit:
                problems.append(
                    Problem(
                        draft.where, name, f"must not exceed {limit:,}", "too_large", {"max": limit}
                    )
                )
        for name, text, limit in (
            ("unit", draft.unit_of_measure, 20),
            ("library_code", draft.library_code, 20),
        ):
            if text and len(text) > limit:
                problems.append(
                    Problem(
                        draft.where,
                        name,
                        f"longer than {limit} characters",
                        "text_long",
                        {"max": limit},
                    )
                )
    return problems


def _invalid(what: str, problems: list[Problem]) -> InvalidInput:
    return InvalidInput(
        f"{what}: {len(problems)} problem(s): "
        + "; ".join(str(p) for p in problems[:5])
        + ("; …" if len(problems) > 5 else ""),
        errors={"problems": [plain(p) for p in problems]},
    )


def plain(problem: Problem) -> dict:
    return {
        "where": problem.where,
        "field": problem.field,
        "reason": problem.reason,
        "code": problem.code,
        "params": {key: str(value) for key, value in problem.params.items()},
    }
