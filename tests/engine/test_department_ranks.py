"""Departments ranked by their projects' mean evaluation score, exactly and with shared ranks."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from sqlalchemy import select

from engine.department_ranks import department_means, department_rank
from engine.models import Organisation, Project
from engine.surveys import record_survey
from engine.synthetic.province import SeedRequest, seed_province


@pytest.fixture
def projects(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=80, units=64, seed=5))
        return [p.id for p in session.scalars(select(Project).order_by(Project.id))]


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
            assert department_rank(session, project) == 1 + better


def test_equal_means_share_the_better_rank_and_no_scores_is_no_rank(sessions, projects):
    with sessions() as session, session.begin():
        by_department: dict[int, int] = {}
        for project_id in projects:
            project = session.get(Project, project_id)
            department = session.get(Organisation, project.unit_id).parent_id
            by_department.setdefault(department, project_id)
        first, second, *rest = by_department.values()
        assert department_rank(session, session.get(Project, first)) is None
        _score(session, first, 80)
        _score(session, second, 80)
        assert department_rank(session, session.get(Project, first)) == 1
        assert department_rank(session, session.get(Project, second)) == 1
        if rest:
            _score(session, rest[0], 95)
            assert department_rank(session, session.get(Project, first)) == 2
            assert department_rank(session, session.get(Project, rest[0])) == 1
