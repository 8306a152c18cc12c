"""A project page offers only what its reader may open: a third party that evaluates one of a
project's evaluations sees that evaluation listed, not the unit's own or the department's."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine.models import Evaluation
from tests.web.review.test_review_pages import HTML


def test_every_evaluation_a_project_page_links_opens_for_its_reader(login, world, world_app):
    with world_app.extensions["budgetloop.engine"].connect() as db:
        project_id, mine = db.execute(
            select(Evaluation.project_id, Evaluation.id)
            .where(Evaluation.evaluator_org_id == world["evaluator"].org_id)
            .order_by(Evaluation.id)
        ).first()
        others = set(
            db.scalars(
                select(Evaluation.id).where(
                    Evaluation.project_id == project_id, Evaluation.id != mine
                )
            )
        )
    assert others, "the project has evaluations by others (its self-evaluation at least)"
    client = login("evaluator")
    page = client.get(f"/projects/{project_id}", headers=HTML)
    assert page.status_code == 200
    linked = {int(n) for n in re.findall(r'href="/evaluations/(\d+)"', page.text)}
    assert linked == {mine}
    for evaluation_id in linked:
        assert client.get(f"/evaluations/{evaluation_id}", headers=HTML).status_code == 200
