"""A public satisfaction survey is an evaluation of its own, validated before it is stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, NotFound
from engine.evaluation.surveys import record_survey
from engine.models import Project
from engine.models.enums import EvaluationKind
from engine.synthetic.province import SeedRequest, seed_province


@pytest.fixture
def project_id(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=2, seed=2))
        return session.scalars(select(Project.id)).first()


def test_a_survey_scores_the_share_of_satisfied_respondents(sessions, project_id):
    with sessions() as session, session.begin():
        survey = record_survey(session, project_id, satisfied=183, respondents=200, actor="t")
        assert survey.kind is EvaluationKind.SATISFACTION_SURVEY
        assert survey.total_score == Decimal("91.50") and survey.grade == "A"


@pytest.mark.parametrize(
    ("satisfied", "respondents", "error"),
    [(10, 20, "at least 30"), (-1, 50, "between 0"), (51, 50, "between 0")],
)
def test_bad_surveys_are_refused(sessions, project_id, satisfied, respondents, error):
    with sessions() as session, session.begin(), pytest.raises(InvalidInput, match=error):
        record_survey(session, project_id, satisfied=satisfied, respondents=respondents, actor="t")


def test_an_unknown_project(sessions, project_id):
    with sessions() as session, session.begin(), pytest.raises(NotFound):
        record_survey(session, 999_999, satisfied=40, respondents=50, actor="t")
