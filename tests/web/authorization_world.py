"""The lived-in year with the rows the authorization tests need that it lacks: a department
and a rectification order outside the main finance desk's scope, evidence on the monitoring
reports, an open incident."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.models import (
    Attachment,
    AttachmentBlob,
    HumanTask,
    Incident,
    MonitoringReport,
    Organisation,
    ProcessInstance,
    Project,
    RectificationOrder,
)


def with_rows_out_of_scope(world_app, world):
    """The lived-in year with the stranger unit's department handed to another finance desk,
    and a rectification order in that department.

    In the lived-in year one desk handles every department that has projects, and every
    rectification order is in the main department, so nothing would be outside those scopes;
    after the hand-over the stranger's department is (the main unit's and the main
    department's scopes do not change).
    """
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        department = session.get(Organisation, world.strangers["unit"].org_id).parent
        assert department.id != world["department"].org_id
        assert department.finance_desk_id == world["finance"].org_id
        department.finance_desk_id = session.scalar(
            select(Organisation.id)
            .where(Organisation.kind == "finance", Organisation.id != world["finance"].org_id)
            .order_by(Organisation.id)
            .limit(1)
        )
        # Every rectification order of the year is in the main department: one for a project
        # of the stranger unit gives the department (and the desk) one they must not see.
        order = session.scalars(select(RectificationOrder).order_by(RectificationOrder.id)).first()
        project = session.scalars(
            select(Project).where(Project.unit_id == world.strangers["unit"].org_id).limit(1)
        ).one()
        session.add(
            RectificationOrder(
                project_id=project.id,
                source=order.source,
                issues="进度严重滞后",
                requirements="三十日内报送整改方案",
                issued_by_id=department.finance_desk_id,
                feedback_due=order.feedback_due,
                plan_due=order.plan_due,
                close_due=order.close_due,
            )
        )
        _attach_evidence(session)
    return world_app


def _attach_evidence(session: Session) -> None:
    """A file on each monitoring report, uploaded in its unit's report task (the lived-in year
    has none of its own)."""
    attached = set()
    for task in session.scalars(
        select(HumanTask).where(HumanTask.form == "monitoring_report").order_by(HumanTask.id)
    ):
        report = session.scalars(
            select(MonitoringReport)
            .join(Project, Project.id == MonitoringReport.project_id)
            .where(Project.code == task.business_key.split(":", 1)[1])
            .order_by(MonitoringReport.id.desc())
            .limit(1)
        ).first()
        if report is None or report.id in attached:
            continue
        attached.add(report.id)
        content = f"%PDF-1.4 report {report.id}".encode()
        attachment = Attachment(
            project_id=report.project_id,
            document_type="monitoring_report",
            document_id=report.id,
            task_id=task.id,
            file_name="执行情况说明.pdf",
            media_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by="user:test",
        )
        session.add(attachment)
        session.flush()
        session.add(AttachmentBlob(attachment_id=attachment.id, content=content))


def _open_incident(world_app) -> None:
    """An open incident on a running instance (the lived-in year has none of its own)."""
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        instance = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.status == "running")
            .order_by(ProcessInstance.id)
            .limit(1)
        ).one()
        instance.status = "incident"
        session.add(
            Incident(
                instance_id=instance.id,
                element_id="Service_Payment",
                error="RuntimeError: 国库支付接口无响应",
                command={
                    "kind": "fire_timers",
                    "instance_id": instance.id,
                    "actor": Actor.system("ticker").as_dict(),
                },
            )
        )
