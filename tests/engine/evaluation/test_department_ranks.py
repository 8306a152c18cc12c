"""Departments ranked by their projects' mean evaluation score, exactly and with shared ranks
(competition ranking), fixed once when the year's evaluations close."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from engine.evaluation.department_ranks import (
    close_evaluations,
    competition_ranks,
    department_means,
    department_rank,
)
from engine.evaluation.surveys import record_survey
from engine.models import AuditEvent, EvaluationClose, Organisation, Project
from engine.synthetic.province import SeedRequest, seed_province


@pytest.fixture
def projects(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=80, units=64, seed=5))
        return [p.id for p in session.scalars(select(Project).order_by(Project.id))]


NOW = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)


def _rank(session, project_id: int) -> int | None:
    return department_rank(session, session.get(Project, project_id), now=NOW)


def _department(session, project_id: int) -> int:
    return session.get(Organisation, session.get(Project, project_id).unit_id).parent_id


def _reopen(session, project_id: int) -> None:
    # A test's way to rank again in the same year: forget the close (no product path does).
    year = session.get(Project, project_id).fiscal_year_id
    session.delete(
        session.scalars(select(EvaluationClose).where(EvaluationClose.fiscal_year_id == year)).one()
    )
    session.flush()


def _score(session, project_id: int, satisfied: int) -> None:
    record_survey(session, project_id, satisfied=satisfied, respondents=100, actor="test")


def test_ranks_equal_a_hand_count_over_exact_means(sessions, projects):
    rng = random.Random(7)
    with sessions() as session, session.begin():
        scored: dict[int, list[int]] = {}
        for project_id in projects[:-3]:  # the last three stay unscored
            satisfied = rng.choice([55, 70, 85, 85, 90, 100])
            _score(session, project_id, satisfied)
            unit = session.get(Project, project_id).unit_id
            department = session.get(Organisation, unit).parent_id
            scored.setdefault(department, []).append(satisfied)
        expected_means = {d: Fraction(sum(s), len(s)) for d, s in scored.items()}
        year = session.get(Project, projects[0]).fiscal_year_id
        assert department_means(session, year) == expected_means
        assert len(expected_means) >= 3
        for project_id in projects[:-3]:
            project = session.get(Project, project_id)
            department = session.get(Organisation, project.unit_id).parent_id
            mine = expected_means[department]
            better = sum(1 for mean in expected_means.values() if mean > mine)
            assert _rank(session, project_id) == 1 + better


def test_equal_means_share_the_better_rank_and_no_scores_is_no_rank(sessions, projects):
    with sessions() as session, session.begin():
        by_department: dict[int, int] = {}
        for project_id in projects:
            by_department.setdefault(_department(session, project_id), project_id)
        first, second, *rest = by_department.values()
        assert _rank(session, first) is None
        _reopen(session, first)
        _score(session, first, 80)
        _score(session, second, 80)
        assert _rank(session, first) == 1
        assert _rank(session, second) == 1
        if rest:
            _reopen(session, first)
            _score(session, rest[0], 95)
            assert _rank(session, first) == 2
            assert _rank(session, rest[0]) == 1


def test_competition_ranking_commends_every_department_tied_at_ten():
    means = {d: Fraction(100 - d) for d in range(1, 10)}  # ranks 1..9
    means.update({10: Fraction(50), 11: Fraction(50), 12: Fraction(40)})
    ranks = competition_ranks(means)
    assert [ranks[d] for d in (9, 10, 11, 12)] == [9, 10, 10, 12]
    assert competition_ranks({1: Fraction(9), 2: Fraction(8), 3: Fraction(8), 4: Fraction(7)}) == {
        1: 1,
        2: 2,
        3: 2,
        4: 4,
    }


def test_ranks_are_fixed_once_when_the_years_evaluations_close(sessions, projects):
    """Every decision of the year sees the same ranks, whatever is scored after the close."""
    with sessions() as session, session.begin():
        by_department: dict[int, int] = {}
        for project_id in projects:
            by_department.setdefault(_department(session, project_id), project_id)
        first, second = list(by_department.values())[:2]
        _score(session, first, 90)
        _score(session, second, 70)
        year = session.get(Project, first).fiscal_year_id
        closed = close_evaluations(session, year, now=NOW, by="performance division")
        assert closed.ranks[str(_department(session, first))]["rank"] == 1
        # A later evaluation would move the standings, but the year is closed.
        _score(session, second, 100)
        _score(session, second, 100)
        assert _rank(session, first) == 1 and _rank(session, second) == 2
        again = close_evaluations(session, year, now=NOW, by="someone else")
        assert again.id == closed.id and again.closed_by == "performance division"
        assert session.scalar(select(func.count()).select_from(EvaluationClose)) == 1


def test_the_performance_division_closes_the_year_from_the_command_line(budgetloop, sessions):
    code, out, err = budgetloop("seed", "--year", "2026", "--projects", "30", "--seed", "3")
    assert code == 0, err
    with sessions() as session, session.begin():
        project_id = session.scalars(select(Project.id).order_by(Project.id)).first()
        _score(session, project_id, 88)
    code, out, err = budgetloop("rules", "close-evaluations", "--year", "2026")
    assert code == 0, err
    assert "2026 evaluations closed" in out and "mean 88.0000 over 1 evaluations" in out
    with sessions() as session, session.begin():
        _score(session, project_id, 10)  # after the close: moves nothing
    code, again, err = budgetloop("rules", "close-evaluations", "--year", "2026")
    assert code == 0 and again == out
    with sessions() as session:
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "evaluations.close")
        )
        assert events == 1
    code, out, err = budgetloop("rules", "close-evaluations", "--year", "2031")
    assert code == 2 and "no fiscal year 2031" in err
