"""`seed_province`: realistic, deterministic, and refusing to overwrite a seeded year."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.db import create_db_engine, session_factory
from engine.errors import Conflict, InvalidInput
from engine.identity.permissions import USER_ROLES
from engine.models import (
    FrameNode,
    FundLine,
    Indicator,
    Organisation,
    Project,
    TargetTable,
    User,
)
from engine.models.enums import OrgKind
from engine.synthetic.province import SeedRequest, seed_province
from tests.support.snapshot import snapshot

AUDIT_TABLES = ("audit_event", "audit_head")


def _seed(sessions, **kwargs):
    request = SeedRequest(**{"year": 2026, "projects": 300, "seed": 7, **kwargs})
    with sessions() as session, session.begin():
        return seed_province(session, request)


def test_summary_counts_match_the_database(sessions):
    summary = _seed(sessions, projects=300, units=60)
    with sessions() as session:
        assert summary.projects == session.scalar(select(func.count(Project.id))) == 300
        assert (
            summary.units
            == session.scalar(select(func.count()).where(Organisation.kind == OrgKind.UNIT))
            == 60
        )
        assert summary.indicators == session.scalar(select(func.count(Indicator.id)))
        assert summary.target_tables == 300
        assert summary.users == session.scalar(select(func.count(User.id)))


def test_every_unit_belongs_to_a_department_with_a_finance_desk(sessions):
    _seed(sessions, projects=200)
    with sessions() as session:
        units = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.UNIT))
        for unit in units:
            assert unit.parent.kind == OrgKind.DEPARTMENT
            assert unit.parent.finance_desk.kind == OrgKind.FINANCE
            assert unit.code.startswith(unit.parent.code)
        roles = set(session.scalars(select(User.role)))
    assert roles == set(USER_ROLES)


def test_target_tables_follow_the_default_frame(sessions):
    _seed(sessions, projects=200)
    with sessions() as session:
        tables = session.scalars(select(TargetTable)).all()
        for target_table in tables:
            indicators = target_table.indicators
            assert 6 <= len(indicators) <= 15
            by_branch = Counter()
            for indicator in indicators:
                assert indicator.node.level == 2
                by_branch[_branch(session, indicator)] += indicator.weight
                if indicator.operator.value == "qualitative":
                    assert indicator.target_text and indicator.target_value is None
                else:
                    assert indicator.target_value is not None and indicator.target_value > 0
            assert by_branch == {
                "output": Decimal(50),
                "effect": Decimal(30),
                "satisfaction": Decimal(10),
            }


def _branch(session, indicator):
    return session.get(FrameNode, indicator.node.parent_id).code


def test_fund_lines_add_up_to_the_request(sessions):
    _seed(sessions, projects=300)
    with sessions() as session:
        totals = dict(
            session.execute(
                select(FundLine.project_id, func.sum(FundLine.amount)).group_by(FundLine.project_id)
            ).all()
        )
        for project in session.scalars(select(Project)):
            assert totals[project.id] == project.requested_amount


def test_distributions_are_those_of_domain_md(sessions):
    _seed(sessions, projects=1500)
    with sessions() as session:
        amounts = sorted(session.scalars(select(Project.requested_amount)))
        operators = Counter(session.scalars(select(Indicator.operator)))
    median = amounts[len(amounts) // 2]
    p95 = amounts[int(len(amounts) * 0.95)]
    assert Decimal(500_000) < median < Decimal(1_300_000)
    assert Decimal(12_000_000) < p95 < Decimal(75_000_000)
    total = sum(operators.values())
    share = {op.value: count / total for op, count in operators.items()}
    assert 0.50 < share[">="] < 0.70
    assert 0.08 < share["<="] < 0.22
    assert 0.04 < share["="] < 0.16
    assert 0.08 < share["qualitative"] < 0.22


def test_same_seed_same_data(templates):
    dumps = []
    for _ in range(2):
        engine = create_db_engine(templates.fresh())
        _seed(session_factory(engine), projects=120, seed=42)
        # The clock (and the audit hashes over it) is the only thing allowed to differ.
        dumps.append(snapshot(engine, without_timestamps=True, skip=AUDIT_TABLES))
        engine.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["project"]) == 120


def test_different_seed_different_projects(sessions):
    _seed(sessions, projects=50, seed=1)
    with sessions() as session:
        first = set(session.scalars(select(Project.name)))
    _seed(sessions, projects=50, seed=2, year=2027)
    with sessions() as session:
        second = set(session.scalars(select(Project.name).where(Project.code.startswith("2027-"))))
    assert first != second


def test_next_year_reuses_organisations_and_continues_projects(sessions):
    _seed(sessions, projects=200, year=2026)
    with sessions() as session:
        units_before = session.scalar(select(func.count()).where(Organisation.kind == OrgKind.UNIT))
    _seed(sessions, projects=200, year=2027)
    with sessions() as session:
        units_after = session.scalar(select(func.count()).where(Organisation.kind == OrgKind.UNIT))
        continued = session.scalars(
            select(Project).where(Project.predecessor_id.is_not(None))
        ).all()
        predecessor_ids = [project.predecessor_id for project in continued]
        for project in continued:
            previous = session.get(Project, project.predecessor_id)
            assert previous.code.startswith("2026-") and project.code.startswith("2027-")
            assert (previous.name, previous.unit_id) == (project.name, project.unit_id)
    assert units_after == units_before
    assert continued and len(set(predecessor_ids)) == len(predecessor_ids)


def test_seeding_a_seeded_year_changes_nothing(sessions, engine):
    _seed(sessions, projects=30)
    before = snapshot(engine)
    with pytest.raises(Conflict, match="already exists with 30 projects"):
        _seed(sessions, projects=30)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("projects", 0, "--projects must be between 1"),
        ("projects", -5, "--projects must be between 1"),
        ("units", 0, "--units must be between 1"),
        ("year", 1999, "outside 2000–2100"),
        ("seed", -1, "--seed must be a non-negative"),
    ],
)
def test_bad_requests_are_refused_before_any_write(sessions, engine, field, value, message):
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match=message):
        _seed(sessions, **{field: value})
    assert snapshot(engine) == before


def test_units_cannot_change_once_the_province_exists(sessions, engine):
    _seed(sessions, projects=40, units=10)
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match="already has 10 units"):
        _seed(sessions, projects=40, units=12, year=2027)
    assert snapshot(engine) == before
