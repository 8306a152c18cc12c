"""Money and measures stay exact decimals on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from engine.models import FiscalYear, FundLine, Organisation, Project, Region
from engine.models.enums import FundSource, OrgKind


def _project(session, amount: Decimal) -> Project:
    session.add(Region(code="T1", name="测试省"))
    session.flush()
    unit = Organisation(code="U1", name="测试单位", kind=OrgKind.UNIT, region_code="T1")
    year = FiscalYear(region_code="T1", year=2026)
    session.add_all([unit, year])
    session.flush()
    project = Project(
        code="2026-0000001",
        name="测试项目",
        fiscal_year_id=year.id,
        unit_id=unit.id,
        functional_class="205",
        requested_amount=amount,
    )
    session.add(project)
    session.flush()
    return project


@pytest.mark.parametrize("amount", ["0.01", "1234567.89", "99999999999.99", "0", "800000"])
def test_money_round_trips_exactly(sessions, amount):
    with sessions() as session, session.begin():
        _project(session, Decimal(amount))
    with sessions() as session:
        stored = session.scalars(select(Project.requested_amount)).one()
    assert stored == Decimal(amount)
    assert isinstance(stored, Decimal)


def test_money_sums_exactly_in_sql(sessions):
    with sessions() as session, session.begin():
        project = _project(session, Decimal("0.30"))
        for amount in ("0.10", "0.10", "0.10"):
            session.add(
                FundLine(project_id=project.id, source=FundSource.OTHER, amount=Decimal(amount))
            )
    with sessions() as session:
        lines = session.scalars(select(FundLine.amount)).all()
    assert sum(lines) == Decimal("0.30")


@pytest.mark.parametrize("bad", [0.1, Decimal("0.001")])
def test_money_refuses_floats_and_extra_places(sessions, bad):
    with sessions() as session, pytest.raises(StatementError):
        _project(session, bad)


def test_timestamps_come_back_aware_utc(sessions):
    moment = datetime(2026, 7, 31, 23, 59, 59, 123456, tzinfo=UTC)
    with sessions() as session, session.begin():
        session.add(Region(code="T1", name="测试省"))
        session.flush()
        session.add(FiscalYear(region_code="T1", year=2026, created_at=moment))
    with sessions() as session:
        stored = session.scalars(select(FiscalYear.created_at)).one()
    assert stored == moment and stored.tzinfo is not None
