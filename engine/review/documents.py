"""Documents that go through review: opening them, their status, publishing targets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from engine.cycle.context import fiscal_year_of, project_of
from engine.db import insert_once
from engine.errors import InvalidInput, NotFound
from engine.models import (
    BudgetAdjustment,
    DepartmentEvaluation,
    DepartmentMonitoring,
    DepartmentPlan,
    Disclosure,
    Evaluation,
    ExAnteAssessment,
    IndicatorFrame,
    MonitoringReport,
    MonitoringTask,
    TargetTable,
)
from engine.models.enums import DisclosureKind, DocumentStatus, EvaluationKind, ProjectStatus
from engine.workflow.operations import OperationRegistry, ServiceCall

DOCUMENTS = {
    "target_table": TargetTable,
    "monitoring_report": MonitoringReport,
    "self_evaluation": Evaluation,
    "department_evaluation": Evaluation,
    "third_party_evaluation": Evaluation,
    "key_evaluation": Evaluation,
    "budget_adjustment": BudgetAdjustment,
    "ex_ante_assessment": ExAnteAssessment,
    # A department's overall performance (engine/department): its table, monitoring, evaluations.
    "department_plan": DepartmentPlan,
    "department_monitoring": DepartmentMonitoring,
    "department_self_evaluation": DepartmentEvaluation,
    "department_finance_evaluation": DepartmentEvaluation,
}

# Evaluation documents: their kind, the frame they are scored on, and the process variable
# naming the evaluating organisation (None: the unit evaluates itself). Department and
# third-party evaluations score the key-evaluation frame (decision, process, output,
# effect), the common frame of evaluations done from outside the unit; a self-evaluation
# (frame None here) scores the frame its target table was filed on (default, or 2021's).
EVALUATIONS = {
    "self_evaluation": (EvaluationKind.SELF, None, None),
    "department_evaluation": (EvaluationKind.DEPARTMENT, "key_evaluation", "department_org_id"),
    "third_party_evaluation": (EvaluationKind.THIRD_PARTY, "key_evaluation", "third_party_org_id"),
    "key_evaluation": (EvaluationKind.KEY, "key_evaluation", "evaluator_org_id"),
}


def open_document(call: ServiceCall) -> dict:
    """Find or create the document a stage works on; returns {type, id}."""
    kind = call.params.get("document_type")
    project = project_of(call)
    if kind == "target_table":
        table = call.session.scalars(
            select(TargetTable)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
            .limit(1)
        ).first()
        if table is None:
            raise NotFound(f"project {project.code} has no target table to file")
        return {"type": kind, "id": table.id}
    if kind == "monitoring_report":
        return {"type": kind, "id": _monitoring_report(call, project).id}
    if kind in EVALUATIONS:
        evaluation_kind, frame_code, evaluator = EVALUATIONS[kind]
        evaluation = Evaluation(
            project_id=project.id,
            frame_id=_evaluation_frame(call.session, project, frame_code),
            kind=evaluation_kind,
            evaluator_org_id=project.unit_id if evaluator is None else call.require(evaluator),
        )
        call.session.add(evaluation)
        call.session.flush()
        return {"type": kind, "id": evaluation.id}
    if kind == "ex_ante_assessment":
        return {"type": kind, "id": _ex_ante(call, project).id}
    if kind == "budget_adjustment":
        adjustment = BudgetAdjustment(
            project_id=project.id,
            course=call.data.get("course", "adjust_targets"),
            reason=call.data.get("explanation"),
        )
        call.session.add(adjustment)
        call.session.flush()
        return {"type": kind, "id": adjustment.id}
    raise InvalidInput(f"unknown document type {kind!r}")


def _ex_ante(call: ServiceCall, project) -> ExAnteAssessment:
    """The project's ex-ante assessment (one per project), scored on the ex-ante frame."""
    found = call.session.scalars(
        select(ExAnteAssessment).where(ExAnteAssessment.project_id == project.id)
    ).first()
    if found is not None:
        return found
    assessor = call.data.get("ex_ante_assessor") or "department"
    assessment = ExAnteAssessment(
        project_id=project.id,
        frame_id=_evaluation_frame(call.session, project, "ex_ante"),
        assessor=assessor,
        assessor_org_id=call.data.get("ex_ante_org_id"),
    )
    call.session.add(assessment)
    call.session.flush()
    return assessment


def _evaluation_frame(session, project, frame_code: str | None) -> int:
    """The id of the frame an evaluation scores (None: its target table's, see EVALUATIONS)."""
    if frame_code is None:
        frame_id = session.scalar(
            select(TargetTable.frame_id)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
            .limit(1)
        )
        if frame_id is not None:
            return frame_id
        frame_code = "default"
    return session.scalars(
        select(IndicatorFrame.id)
        .where(IndicatorFrame.code == frame_code, IndicatorFrame.region_code.is_(None))
        .order_by(IndicatorFrame.version.desc())
        .limit(1)
    ).one()


def _monitoring_report(call: ServiceCall, project) -> MonitoringReport:
    year = fiscal_year_of(call, project)
    round_code = call.params.get("round", "jan_jul")
    this_round = select(MonitoringTask).where(
        MonitoringTask.fiscal_year_id == year.id, MonitoringTask.round_code == round_code
    )
    task = call.session.scalars(this_round).first()
    if task is None:
        # The round's first report (several workers may open theirs at once).
        insert_once(
            call.session,
            MonitoringTask,
            dict(
                fiscal_year_id=year.id,
                round_code=round_code,
                months_elapsed=7,
                due_on=date(year.year, 8, 31),
                issued_at=call.now,
            ),
            ["fiscal_year_id", "round_code"],
        )
        task = call.session.scalars(this_round).one()
    report = call.session.scalars(
        select(MonitoringReport).where(
            MonitoringReport.task_id == task.id, MonitoringReport.project_id == project.id
        )
    ).first()
    if report is None:
        budget = project.approved_amount or project.requested_amount
        report = MonitoringReport(
            task_id=task.id, project_id=project.id, budget=budget, executed_to_date=0
        )
        call.session.add(report)
        call.session.flush()
    return report


def _reference(ref) -> tuple[type, int] | None:
    """The model and row id a task's `document` variable ({type, id}) names, if it names one."""
    if not isinstance(ref, dict):
        return None
    model, row_id = DOCUMENTS.get(ref.get("type")), ref.get("id")
    if model is None or not isinstance(row_id, int) or isinstance(row_id, bool):
        return None
    return model, row_id


def document_of(session, ref) -> object | None:
    """The row a task's `document` variable ({type, id}) names, or None if it names none."""
    named = _reference(ref)
    return None if named is None else session.get(*named)


def document_row(call: ServiceCall):
    """The row of the document named by `document` in the task data."""
    document = call.require("document")
    model = DOCUMENTS.get(document.get("type")) if isinstance(document, dict) else None
    row = call.session.get(model, document.get("id")) if model else None
    if row is None:
        raise NotFound(f"document {document!r} does not exist")
    return row


def set_document_status(call: ServiceCall) -> dict:
    """Move the document along draft → submitted → in review → returned | approved → final.

    One UPDATE, with no read first (every review step of the year calls this: a load and a
    flush cost three times as much); rows this session holds follow it.
    """
    document = call.require("document")
    named = _reference(document)
    if named is None:
        raise NotFound(f"document {document!r} does not exist")
    model, row_id = named
    status = call.params.get("status")
    values: dict = {
        "status": status if model is BudgetAdjustment else DocumentStatus(status),
        "version": model.version + 1,
    }
    if status == "submitted" and hasattr(model, "submitted_at"):
        values["submitted_at"] = call.now
    if status == "approved" and hasattr(model, "approved_at"):
        values["approved_at"] = call.now
    moved = call.session.execute(
        update(model).where(model.id == row_id).values(values).returning(model.id)
    ).first()
    if moved is None:
        raise NotFound(f"document {document!r} does not exist")
    return {"status": status}


def publish_targets(call: ServiceCall) -> dict:
    """Approved targets become final and are disclosed with the budget."""
    table = document_row(call)
    table.status = DocumentStatus.FINAL
    project = project_of(call)
    call.session.add(
        Disclosure(
            project_id=project.id,
            fiscal_year_id=project.fiscal_year_id,
            kind=DisclosureKind.TARGETS,
            disclosed_at=call.now,
            payload={
                "project": project.code,
                "name": project.name,
                "goal": table.goal,
                "indicators": [
                    {
                        "name": i.name,
                        "operator": i.operator.value,
                        "target": str(i.target_value)
                        if i.target_value is not None
                        else i.target_text,
                        "unit": i.unit_of_measure,
                        "weight": str(i.weight),
                    }
                    for i in table.indicators
                ],
            },
        )
    )
    call.session.flush()
    return {"target_table_id": table.id, "status": "final"}


def activate_project(call: ServiceCall) -> dict:
    """Targets approved: the project is funded and executes."""
    project = project_of(call)
    project.status = ProjectStatus.EXECUTING
    if project.approved_amount is None:
        project.approved_amount = project.requested_amount
    call.session.flush()
    return {"status": project.status.value, "approved_amount": str(project.approved_amount)}


def register(registry: OperationRegistry) -> None:
    registry.register("open_document", open_document)
    registry.register("set_document_status", set_document_status)
    registry.register("publish_targets", publish_targets)
    registry.register("activate_project", activate_project)
