"""The 2021 indicator frame: chosen per region and year, with the region's own weights, and
tables moved between the frames when a region switches."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine import frames
from engine.actors import Actor
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.evaluation.queries import sheet_for_project
from engine.frame_map import frame_for, frame_named, scale
from engine.models import (
    AuditEvent,
    FiscalYear,
    FrameNode,
    Indicator,
    IndicatorFrame,
    PolicySetting,
    TargetTable,
    User,
)
from engine.models.enums import DocumentStatus, EvaluationKind, ProjectStatus, Role
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from engine.targets.editing import drafts_of, may_edit, require_editable
from engine.targets.queries import frame_nodes
from engine.targets.validation import check

REGION = DEMO_REGION[0]
D = Decimal


def _actor(session, role: Role = Role.PERFORMANCE) -> Actor:
    return Actor.of_user(session.scalars(select(User).where(User.role == role)).first())


def _seed(sessions, year: int, projects: int = 12) -> None:
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=year, projects=projects, seed=year))


def _problems(session, table: TargetTable) -> list:
    nodes = frame_nodes(session, table.frame_id)
    return check(drafts_of(table, nodes), nodes, table.frame.total_points)


def _levels(session, table: TargetTable) -> Counter:
    """Level-1 item code → the weight its indicators carry."""
    nodes = {n.id: n for n in frame_nodes(session, table.frame_id)}
    weights: Counter = Counter()
    for indicator in table.indicators:
        weights[nodes[nodes[indicator.node_id].parent_id].code] += indicator.weight
    return weights


def test_the_2021_frame_ships_with_cost_as_a_level_1_item(sessions):
    with sessions() as session:
        frame = frame_named(session, "cost_2021", None, None)
        level1 = {n.code: n for n in frame.nodes if n.level == 1}
        assert list(level1) == ["execution", "output", "cost", "effect", "satisfaction"]
        assert [level1[c].weight for c in level1] == [D(10), D(40), D(10), D(30), D(10)]
        assert level1["cost"].folds_into == "output"
        cost_items = [n for n in frame.nodes if n.parent_id == level1["cost"].id]
        assert [n.name_zh for n in cost_items] == [
            "经济成本指标",
            "社会成本指标",
            "生态环境成本指标",
        ]
        assert {n.counterpart for n in cost_items} == {"default:cost"}
        assert [f.code for f in frames.filing_frames(session)] == ["default", "cost_2021"]
        # Until a region chooses, its years are filed on the default frame.
        assert frame_for(session, REGION, 2026).code == "default"


def test_a_year_seeded_after_the_switch_is_filed_on_the_2021_frame(sessions):
    _seed(sessions, 2025)
    with sessions() as session, session.begin():
        frames.choose(session, _actor(session), REGION, 2026, "cost_2021")
    _seed(sessions, 2026, projects=30)
    with sessions() as session:
        for year, code in ((2025, "default"), (2026, "cost_2021")):
            tables = session.scalars(
                select(TargetTable)
                .join(TargetTable.project)
                .join(FiscalYear)
                .where(FiscalYear.year == year)
            ).all()
            assert tables and {t.frame.code for t in tables} == {code}
            for table in tables:
                assert _problems(session, table) == []
        with_cost = [
            _levels(session, t)
            for t in session.scalars(
                select(TargetTable).where(TargetTable.frame.has(code="cost_2021"))
            )
        ]
        # Library cost items land under 成本 (10 points); without any, output takes its 10.
        assert any(w["cost"] == 10 and w["output"] == 40 for w in with_cost)
        assert any("cost" not in w and w["output"] == 50 for w in with_cost)


def test_a_region_sets_its_own_weights_as_a_version_of_the_frame(sessions):
    _seed(sessions, 2025, projects=3)
    weights = {
        "execution": "10",
        "output": "35",
        "cost": "15",
        "effect": "30",
        "satisfaction": "10",
    }
    with sessions() as session, session.begin():
        choice, moved = frames.choose(session, _actor(session), REGION, 2026, "cost_2021", weights)
    with sessions() as session:
        frame = frame_for(session, REGION, 2026)
        assert (frame.region_code, frame.fiscal_year, frame.version) == (REGION, 2026, 1)
        assert {n.code: n.weight for n in frame.nodes if n.level == 1}["cost"] == D(15)
        # Other regions and years keep the shipped weights.
        assert frame_for(session, REGION, 2027).code == "default"
        assert frame_named(session, "cost_2021", REGION, 2027).region_code is None
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "frame.choose")).one()
        assert event.payload["weights"]["cost"] == "15.00"


@pytest.mark.parametrize(
    ("weights", "named"),
    [
        (
            {"execution": "10", "output": "70", "cost": "0", "effect": "10", "satisfaction": "10"},
            "output",
        ),
        (
            {"execution": "10", "output": "40", "cost": "10", "effect": "30", "satisfaction": "20"},
            "total",
        ),
        ({"output": "45", "cost": "10"}, "total"),
        (
            {"execution": "10", "output": "4O", "cost": "10", "effect": "30", "satisfaction": "10"},
            "output",
        ),
        (
            {
                "execution": "10",
                "output": "40.001",
                "cost": "9.999",
                "effect": "30",
                "satisfaction": "10",
            },
            "output",
        ),
        (
            {
                "execution": "10",
                "output": "40",
                "cost": "10",
                "effect": "30",
                "satisfaction": "10",
                "x": "0",
            },
            "x",
        ),
    ],
)
def test_weights_out_of_range_or_not_adding_up_are_refused_and_nothing_is_kept(
    sessions, weights, named
):
    _seed(sessions, 2025, projects=3)
    with sessions() as session, session.begin():
        before = session.scalar(select(func.count()).select_from(PolicySetting))
        frames_before = session.scalar(select(func.count()).select_from(IndicatorFrame))
        with pytest.raises(InvalidInput) as refused:
            frames.choose(session, _actor(session), REGION, 2026, "cost_2021", weights)
        assert named in refused.value.errors
        session.rollback()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PolicySetting)) == before
        assert session.scalar(select(func.count()).select_from(IndicatorFrame)) == frames_before


def test_only_the_performance_division_chooses_and_only_filing_frames(sessions):
    _seed(sessions, 2025, projects=3)
    with sessions() as session:
        with pytest.raises(Forbidden):
            frames.choose(session, _actor(session, Role.UNIT), REGION, 2026, "cost_2021")
        with pytest.raises(InvalidInput, match="not a frame target tables are filed on"):
            frames.choose(session, _actor(session), REGION, 2026, "key_evaluation")
        with pytest.raises(InvalidInput, match="no region"):
            frames.choose(session, _actor(session), "000001", 2026, "cost_2021")


def test_switching_moves_drafts_and_leaves_filed_tables_on_their_frame(sessions):
    _seed(sessions, 2026, projects=40)
    with sessions() as session, session.begin():
        tables = session.scalars(select(TargetTable).order_by(TargetTable.id)).all()
        tables[0].status = DocumentStatus.APPROVED
        tables[1].status = DocumentStatus.RETURNED
        before = {t.id: sorted(i.weight for i in t.indicators) for t in tables}
        cost_rows = session.scalar(
            select(func.count())
            .select_from(Indicator)
            .join(FrameNode)
            .where(FrameNode.code == "cost", Indicator.target_table_id != tables[0].id)
        )
    assert cost_rows > 0
    with sessions() as session, session.begin():
        choice, moved = frames.choose(session, _actor(session), REGION, 2026, "cost_2021")
        assert (moved, choice.to_move, choice.elsewhere) == (39, 0, 1)
        assert choice.on_frame == 39
    with sessions() as session:
        tables = session.scalars(select(TargetTable).order_by(TargetTable.id)).all()
        assert tables[0].frame.code == "default"
        assert {t.frame.code for t in tables[1:]} == {"cost_2021"}
        for table in tables:
            assert _problems(session, table) == []
        # Every cost indicator now sits under 成本 (level 1) as 经济成本指标.
        moved_cost = session.scalar(
            select(func.count())
            .select_from(Indicator)
            .join(FrameNode)
            .where(FrameNode.code == "economic_cost")
        )
        assert moved_cost == cost_rows
        # A table whose output held no cost indicator kept its weights (output took cost's 10).
        unchanged = [t for t in tables[1:] if "cost" not in _levels(session, t)]
        assert unchanged and all(
            sorted(i.weight for i in t.indicators) == before[t.id] for t in unchanged
        )
        moves = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "target_table.move_frame")
        )
        assert moves == 39
    # And back: the 2021 tables move onto the default frame and still add up.
    with sessions() as session, session.begin():
        frames.choose(session, _actor(session), REGION, 2026, "default")
    with sessions() as session:
        for table in session.scalars(select(TargetTable)):
            assert table.frame.code == "default"
            assert _problems(session, table) == []


def test_moving_is_bounded_per_command(sessions, monkeypatch):
    _seed(sessions, 2026, projects=7)
    monkeypatch.setattr(frames, "MOVE_BATCH", 3)
    with sessions() as session, session.begin():
        choice, moved = frames.choose(session, _actor(session), REGION, 2026, "cost_2021")
        assert (moved, choice.to_move) == (3, 4)
        assert frames.move_drafts(session, REGION, 2026) == 3
        assert frames.move_drafts(session, REGION, 2026) == 1
        assert frames.move_drafts(session, REGION, 2026) == 0


@pytest.mark.parametrize(
    ("weights", "total", "expected"),
    [
        (["10", "10"], "40", ["20", "20"]),
        (["1", "1", "1"], "10", ["3.34", "3.33", "3.33"]),
        (["30", "10", "10"], "40", ["24", "8", "8"]),
        (["25", "25"], "50", ["25", "25"]),
        (["0.01", "49.99"], "40", ["0.01", "39.99"]),
    ],
)
def test_weights_scale_in_whole_cents_to_the_exact_total(weights, total, expected):
    scaled = scale([D(w) for w in weights], D(total))
    assert scaled == [D(e) for e in expected]
    assert sum(scaled) == D(total)


def test_the_command_line_lists_chooses_with_weights_and_refuses_plainly(budgetloop, sessions):
    _seed(sessions, 2026, projects=5)
    code, out, _ = budgetloop("frames", "list")
    assert code == 0
    assert "cost_2021" in out and "990000 2026 default" in out and "5 tables on it" in out
    weights = ["execution=10", "output=35", "cost=15", "effect=30", "satisfaction=10"]
    args = ["frames", "choose", REGION, "2026", "cost_2021"]
    code, out, _ = budgetloop(*args, *[f"--weight={w}" for w in weights])
    assert code == 0, out
    assert "5 draft tables moved" in out and "cost=15" in out
    code, out, _ = budgetloop("frames", "list")
    assert "990000 2026 cost_2021 (the region's weights, v1)" in out
    code, _, err = budgetloop(*args, "--weight=output=70")
    assert code == 2 and "产出指标 (output): 70 is outside 20–60" in err
    code, _, err = budgetloop(*args, "--weight", "cost")
    assert code == 2 and "ITEM=POINTS" in err
    with sessions() as session:
        assert frame_for(session, REGION, 2026).version == 1


def test_a_self_evaluation_scores_the_frame_its_table_was_filed_on(sessions):
    _seed(sessions, 2025, projects=3)
    weights = {
        "execution": "15",
        "output": "35",
        "cost": "10",
        "effect": "30",
        "satisfaction": "10",
    }
    with sessions() as session, session.begin():
        frames.choose(session, _actor(session), REGION, 2026, "cost_2021", weights)
    _seed(sessions, 2026, projects=3)
    with sessions() as session:
        table = session.scalars(
            select(TargetTable).where(TargetTable.frame.has(code="cost_2021"))
        ).first()
        sheet = sheet_for_project(session, _actor(session), table.project_id, EvaluationKind.SELF)
        assert sheet.frame.id == table.frame_id and sheet.frame.region_code == REGION
        assert sheet.execution_weight == D(15)
        assert sum(i.weight for i in sheet.indicators) == D(85)
        old = session.scalars(
            select(TargetTable).where(TargetTable.frame.has(code="default"))
        ).first()
        assert sheet_for_project(
            session, _actor(session), old.project_id, EvaluationKind.SELF
        ).execution_weight == D(10)


def test_a_cancelled_projects_draft_is_neither_moved_nor_edited(sessions):
    # 不予支持 before filing cancels the project with its seeded draft still there: it never
    # enters the year, so the draft is not counted or moved, and its unit cannot edit it.
    _seed(sessions, 2026, projects=5)
    with sessions() as session, session.begin():
        tables = session.scalars(select(TargetTable).order_by(TargetTable.id)).all()
        tables[0].project.status = ProjectStatus.CANCELLED
        cancelled = tables[0].id
    with sessions() as session, session.begin():
        choice, moved = frames.choose(session, _actor(session), REGION, 2026, "cost_2021")
        assert (moved, choice.on_frame, choice.to_move, choice.elsewhere) == (4, 4, 0, 0)
    with sessions() as session:
        table = session.get(TargetTable, cancelled)
        assert table.frame.code == "default"
        unit = Actor.of_user(
            session.scalars(
                select(User).where(
                    User.organisation_id == table.project.unit_id, User.role == Role.UNIT
                )
            ).first()
        )
        assert not may_edit(unit, table)
        with pytest.raises(Conflict) as refused:
            require_editable(unit, table)
        assert refused.value.key == "table_of_cancelled_project"
