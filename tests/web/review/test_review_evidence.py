"""A reviewer sees the evidence (佐证材料) the unit attached to the document under review, and
can download it."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, select

from engine.models import Attachment, AttachmentBlob, MonitoringReport, Project
from tests.web.review.test_review_pages import HTML, _tasks

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _attach(world_app, document_type: str, document_id: int, project_id: int, name: str) -> int:
    with world_app.extensions["budgetloop.engine"].begin() as db:
        attachment_id = db.execute(
            insert(Attachment)
            .values(
                project_id=project_id,
                document_type=document_type,
                document_id=document_id,
                file_name=name,
                media_type="application/pdf",
                size=len(PDF),
                sha256=hashlib.sha256(PDF).hexdigest(),
                uploaded_by="user:unit",
            )
            .returning(Attachment.id)
        ).scalar_one()
        db.execute(insert(AttachmentBlob).values(attachment_id=attachment_id, content=PDF))
    return attachment_id


def test_the_monitoring_report_review_lists_and_serves_its_evidence(
    login, world, world_app, world_client
):
    reviews = [
        task
        for task in _tasks(world_app, form="review", role="department", status="completed")
        if task.org_id == world["department"].org_id
        and task.process_key == "review__monitoring_report"
    ]
    assert reviews, "the lived-in year has a reviewed monitoring report"
    review = reviews[0]
    document = world_client.get(
        f"/api/v1/tasks/{review.id}", headers=world.headers("department")
    ).json["review"]["document"]
    with world_app.extensions["budgetloop.engine"].connect() as db:
        project_id = db.scalar(
            select(Project.id)
            .join(MonitoringReport, MonitoringReport.project_id == Project.id)
            .where(MonitoringReport.id == document["id"])
        )
    attachment_id = _attach(
        world_app, "monitoring_report", document["id"], project_id, "执行进度佐证.pdf"
    )
    client = login("department")
    page = client.get(f"/tasks/{review.id}", headers=HTML)
    assert page.status_code == 200
    assert "佐证材料" in page.text and "执行进度佐证.pdf" in page.text
    link = f"/api/v1/attachments/{attachment_id}/content"
    assert link in page.text
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF
