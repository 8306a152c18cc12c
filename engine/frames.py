"""Indicator frames chosen by the performance division, per region and year, and the drafts
that move when a region switches frame (the rules of a move: engine/frame_map.py).

A choice is a version of the `indicator_frame` policy setting for the region and year; a region's
own level-1 weights are a version of the frame for that region and year (versions are never
changed: an edit is a new one). Tables already submitted keep the frame they were filed on;
draft and returned tables move, at most MOVE_BATCH per command (the rest by running it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine import audit
from engine.actors import Actor
from engine.errors import InvalidInput
from engine.frame_map import CHOICE_KEY, apply_move, frame_for, frame_named
from engine.frame_weights import checked_weights
from engine.identity.permissions import Permission, require
from engine.models import (
    FiscalYear,
    FrameNode,
    Indicator,
    IndicatorFrame,
    PolicySetting,
    Project,
    Region,
    TargetTable,
)
from engine.models.enums import DocumentStatus, ProjectStatus

MOVE_BATCH = 500
MOVABLE = (DocumentStatus.DRAFT, DocumentStatus.RETURNED)
MAX_LISTED = 200  # regions × years on one page


@dataclass(frozen=True)
class Choice:
    """A region's frame for a year, and where its tables stand."""

    region_code: str
    year: int
    frame: IndicatorFrame
    chosen: bool  # False: the region has made no choice for the year (the default applies)
    on_frame: int  # tables of the year on this frame
    elsewhere: int  # tables filed on another frame, which they keep
    to_move: int  # draft and returned tables not yet on this frame


DEPARTMENT_FRAME = "department"


def filing_frames(session: Session) -> list[IndicatorFrame]:
    """The shipped frames project target tables are filed on (those that score budget
    execution beside the indicators; the key-evaluation frame is scored from outside; the
    department frame is a department's overall table's, engine/department)."""
    return list(
        session.scalars(
            select(IndicatorFrame)
            .where(
                IndicatorFrame.region_code.is_(None),
                IndicatorFrame.code != DEPARTMENT_FRAME,
                IndicatorFrame.id.in_(
                    select(FrameNode.frame_id).where(FrameNode.fixed_item == "execution")
                ),
            )
            .order_by(IndicatorFrame.id)
        )
    )


def choice(session: Session, region_code: str, year: int) -> Choice:
    """The frame `region_code` files on in `year`, and its tables' counts."""
    frame = frame_for(session, region_code, year)
    chosen = session.scalar(
        select(func.count())
        .select_from(PolicySetting)
        .where(
            PolicySetting.key == CHOICE_KEY,
            PolicySetting.region_code == region_code,
            PolicySetting.fiscal_year == year,
        )
    )
    counts = dict(
        session.execute(
            select(TargetTable.frame_id, func.count())
            .join(Project, Project.id == TargetTable.project_id)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .where(
                FiscalYear.region_code == region_code,
                FiscalYear.year == year,
                Project.status != ProjectStatus.CANCELLED,
            )
            .group_by(TargetTable.frame_id)
        ).all()
    )
    on_frame = counts.pop(frame.id, 0)
    to_move = _count(session, _movable(region_code, year, frame))
    return Choice(
        region_code,
        year,
        frame,
        chosen=bool(chosen),
        on_frame=on_frame,
        elsewhere=sum(counts.values()) - to_move,
        to_move=to_move,
    )


def on_record(session: Session) -> list[Choice]:
    """Every region and year with a fiscal year or a choice on record, newest year first."""
    chosen = session.execute(
        select(PolicySetting.region_code, PolicySetting.fiscal_year)
        .where(
            PolicySetting.key == CHOICE_KEY,
            PolicySetting.region_code.is_not(None),
            PolicySetting.fiscal_year.is_not(None),
        )
        .distinct()
    ).all()
    years = session.execute(select(FiscalYear.region_code, FiscalYear.year)).all()
    pairs = sorted({tuple(row) for row in [*chosen, *years]}, key=lambda p: (-p[1], p[0]))
    return [choice(session, region, year) for region, year in pairs[:MAX_LISTED]]


@dataclass(frozen=True)
class YearUse:
    """How a region's tables of a year sit on the frames (for the demo's summary)."""

    year: int
    tables: dict[str, int]  # frame name → tables filed on it
    with_cost: int  # tables with indicators under a level-1 成本 item


def year_use(session: Session, region_code: str, year: int) -> YearUse:
    of_year = (
        select(TargetTable.id)
        .join(Project, Project.id == TargetTable.project_id)
        .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
        .where(FiscalYear.region_code == region_code, FiscalYear.year == year)
    )
    tables = dict(
        session.execute(
            select(IndicatorFrame.name, func.count())
            .join(TargetTable, TargetTable.frame_id == IndicatorFrame.id)
            .where(TargetTable.id.in_(of_year))
            .group_by(IndicatorFrame.name)
        ).all()
    )
    level1 = aliased(FrameNode)
    with_cost = session.scalar(
        select(func.count(func.distinct(Indicator.target_table_id)))
        .join(FrameNode, FrameNode.id == Indicator.node_id)
        .join(level1, level1.id == FrameNode.parent_id)
        .where(level1.code == "cost", level1.level == 1, Indicator.target_table_id.in_(of_year))
    )
    return YearUse(year, tables, with_cost or 0)


def choose(
    session: Session,
    actor: Actor,
    region_code: str,
    year: int,
    code: str,
    weights: dict | None = None,
) -> tuple[Choice, int]:
    """Make `code` the region's frame for `year` (with its own level-1 weights, if given) and
    move the first MOVE_BATCH of its draft tables there; returns the choice and how many moved."""
    require(actor, Permission.WRITE_FRAMES, "choosing indicator frames")
    if session.get(Region, region_code) is None:
        raise InvalidInput(
            f"no region {region_code!r}",
            errors={"region": "unknown"},
            key="no_region_named",
            params={"region": region_code},
        )
    if not 2000 <= year <= 2100:
        raise InvalidInput(
            f"year {year} is not a fiscal year (2000–2100)", errors={"year": "out of range"}
        )
    shipped = {frame.code: frame for frame in filing_frames(session)}
    if code not in shipped:
        raise InvalidInput(
            f"'{code}' is not a frame target tables are filed on ({', '.join(sorted(shipped))})",
            errors={"frame": "unknown"},
            key="frame_not_for_filing",
            params={"frame": code, "known": ", ".join(sorted(shipped))},
        )
    frame = frame_named(session, code, region_code, year)
    if weights:
        wanted = checked_weights(frame, weights)
        if wanted != _level1_weights(frame):
            frame = _region_version(session, shipped[code], region_code, year, wanted)
    setting = PolicySetting(
        key=CHOICE_KEY,
        region_code=region_code,
        fiscal_year=year,
        version=_next_version(session, region_code, year),
        body={"value": {"code": code}},
        created_by_id=actor.user_id,
    )
    session.add(setting)
    session.flush()
    moved = move_drafts(session, region_code, year)
    audit.append(
        session,
        actor=actor.name,
        action="frame.choose",
        object_type="indicator_frame",
        object_id=frame.id,
        payload={
            "region": region_code,
            "year": year,
            "frame": code,
            "frame_version": frame.version,
            "weights": {k: str(v) for k, v in _level1_weights(frame).items()},
            "moved": moved,
        },
    )
    return choice(session, region_code, year), moved


def move_drafts(session: Session, region_code: str, year: int, limit: int = MOVE_BATCH) -> int:
    """Move up to `limit` of the region's draft and returned tables of `year` onto its frame."""
    frame = frame_for(session, region_code, year)
    tables = list(
        session.scalars(
            _movable(region_code, year, frame)
            .order_by(TargetTable.id)
            .limit(min(max(limit, 0), MOVE_BATCH))
        )
    )
    for table in tables:
        before = table.frame_id
        moves = apply_move(session, table, frame)
        audit.append(
            session,
            actor="system",
            action="target_table.move_frame",
            object_type="target_table",
            object_id=table.id,
            payload={
                "from_frame": before,
                "to_frame": frame.id,
                "reweighted": sum(1 for m in moves if m.weight_after != m.weight_before),
                "indicators": len(moves),
            },
        )
    return len(tables)


def _level1_weights(frame: IndicatorFrame) -> dict[str, Decimal]:
    return {n.code: n.weight for n in frame.nodes if n.level == 1 and n.weight is not None}


def _region_version(
    session: Session,
    shipped: IndicatorFrame,
    region_code: str,
    year: int,
    weights: dict[str, Decimal],
) -> IndicatorFrame:
    """A new version of `shipped` for the region and year, with the region's weights."""
    newest = session.scalar(
        select(func.max(IndicatorFrame.version)).where(
            IndicatorFrame.code == shipped.code,
            IndicatorFrame.region_code == region_code,
            IndicatorFrame.fiscal_year == year,
        )
    )
    frame = IndicatorFrame(
        code=shipped.code,
        name=shipped.name,
        region_code=region_code,
        fiscal_year=year,
        version=(newest or 0) + 1,
        total_points=shipped.total_points,
        grade_bands=shipped.grade_bands,
        description=shipped.description,
    )
    session.add(frame)
    session.flush()
    copies: dict[int, FrameNode] = {}
    for node in sorted(shipped.nodes, key=lambda n: (n.level, n.position)):
        copy = FrameNode(
            frame_id=frame.id,
            parent_id=copies[node.parent_id].id if node.parent_id else None,
            level=node.level,
            code=node.code,
            name_zh=node.name_zh,
            name_en=node.name_en,
            weight=weights.get(node.code, node.weight) if node.level == 1 else node.weight,
            weight_min=node.weight_min,
            weight_max=node.weight_max,
            fixed_item=node.fixed_item,
            folds_into=node.folds_into,
            counterpart=node.counterpart,
            position=node.position,
        )
        session.add(copy)
        session.flush()
        copies[node.id] = copy
    session.refresh(frame, ["nodes"])
    return frame


def _next_version(session: Session, region_code: str, year: int) -> int:
    newest = session.scalar(
        select(func.max(PolicySetting.version)).where(
            PolicySetting.key == CHOICE_KEY,
            PolicySetting.region_code == region_code,
            PolicySetting.fiscal_year == year,
        )
    )
    return (newest or 0) + 1


def _movable(region_code: str, year: int, frame: IndicatorFrame):
    """The region's draft and returned tables of a year not on `frame`."""
    return (
        select(TargetTable)
        .join(Project, Project.id == TargetTable.project_id)
        .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
        .where(
            FiscalYear.region_code == region_code,
            FiscalYear.year == year,
            TargetTable.status.in_(MOVABLE),
            TargetTable.frame_id != frame.id,
            # A cancelled project (不予支持 before filing) never files its draft: none to move.
            Project.status != ProjectStatus.CANCELLED,
        )
    )


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery()))
