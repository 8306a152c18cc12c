"""Ex-ante assessment's groundwork: the frame as shipped, its bands as the conclusions, and the
two forms' checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from engine.evaluation.ex_ante import (
    CONCLUSIONS,
    ExAnteAssessmentForm,
    ExAnteProposalForm,
    assess,
    ex_ante_frame,
    revise_request,
)
from engine.frames import filing_frames
from engine.models import FundLine, Project
from engine.models.enums import FundSource


def test_the_ex_ante_frame_is_shipped_with_its_conclusions(sessions):
    with sessions() as session:
        frame = ex_ante_frame(session)
        items = {n.code: n.weight for n in frame.nodes}
        assert items == {
            "necessity": Decimal(30),
            "feasibility": Decimal(25),
            "economy": Decimal(25),
            "targets": Decimal(20),
        }
        assert sum(items.values()) == frame.total_points
        assert tuple(b["code"] for b in frame.grade_bands) == CONCLUSIONS
        assert [b["label_zh"] for b in frame.grade_bands] == [
            "建议予以支持",
            "调整后支持",
            "不予支持",
        ]
        # Not a frame target tables are filed on.
        assert "ex_ante" not in {f.code for f in filing_frames(session)}


@pytest.mark.parametrize(
    ("points", "conclusion"),
    [
        ({"necessity": 30, "feasibility": 25, "economy": 25, "targets": 20}, "support"),
        ({"necessity": 24, "feasibility": 20, "economy": 20, "targets": 16}, "support"),
        ({"necessity": "23.99", "feasibility": 20, "economy": 20, "targets": 16}, "adjust"),
        ({"necessity": 18, "feasibility": 15, "economy": 15, "targets": 12}, "adjust"),
        ({"necessity": 18, "feasibility": 15, "economy": 15, "targets": "11.99"}, "reject"),
    ],
)
def test_the_total_decides_the_conclusion_at_the_band_edges(sessions, points, conclusion):
    with sessions() as session:
        scored = assess(ex_ante_frame(session), {k: str(v) for k, v in points.items()})
    assert scored.complete and scored.grade == conclusion


def test_an_item_beyond_its_weight_or_missing_is_named(sessions):
    with sessions() as session:
        scored = assess(
            ex_ante_frame(session), {"necessity": "31", "feasibility": "20", "economy": ""}
        )
    assert scored.errors == {
        "items.necessity": "out of range",
        "items.economy": "required",
        "items.targets": "required",
    }
    assert scored.grade is None


def test_the_forms_refuse_an_empty_statement_and_a_negative_amount():
    with pytest.raises(ValidationError) as refused:
        ExAnteProposalForm().load(
            {"necessity": "", "feasibility": "可行", "economy": "经济", "targets": "合理"}
        )
    assert set(refused.value.messages) == {"necessity"}
    with pytest.raises(ValidationError) as refused:
        ExAnteAssessmentForm().load(
            {"items": {"necessity": "20"}, "opinion": "建议调整", "recommended_amount": "-1"}
        )
    assert set(refused.value.messages) == {"recommended_amount"}
    loaded = ExAnteAssessmentForm().load(
        {"items": {"necessity": 20}, "opinion": "建议调整后支持", "recommended_amount": 4500000}
    )
    assert loaded["recommended_amount"] == "4500000"


def test_a_revised_request_scales_the_fund_lines_to_the_cent():
    project = Project(requested_amount=Decimal("1000.00"))
    project.fund_lines = [
        FundLine(source=FundSource.GENERAL_PUBLIC_BUDGET, amount=Decimal("333.33")),
        FundLine(source=FundSource.GOVERNMENT_FUNDS, amount=Decimal("333.33")),
        FundLine(source=FundSource.UNIT_OWN, amount=Decimal("333.34")),
    ]
    revise_request(project, Decimal("700.01"))
    amounts = [line.amount for line in project.fund_lines]
    assert project.requested_amount == Decimal("700.01")
    assert sum(amounts) == Decimal("700.01")
    assert all(abs(a - Decimal("233.34")) <= Decimal("0.02") for a in amounts), amounts
    empty = Project(requested_amount=Decimal("0"))
    empty.fund_lines = []
    revise_request(empty, Decimal("5"))
    assert empty.requested_amount == Decimal("5")
