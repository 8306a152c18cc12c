"""A new version of a definition changes new instances; running ones keep the one they began on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engine.cycle.start import cycle_data
from engine.demo.simulation import drive
from engine.models import HumanTask, ProcessDefinition, ProcessInstance, ProcessSpec, Project
from engine.workflow.definitions import Deployed, deploy
from tests.engine.workflow.conftest import OPERATOR, ready_tasks, source

DEPARTMENT = "Task_DepartmentReview"
FINANCE = "Task_FinanceReview"
PERFORMANCE = "Task_PerformanceReview"
REVIEW_LEVELS = {DEPARTMENT, FINANCE, PERFORMANCE}
# After the monitoring reports are reviewed and before the evaluation opens next February.
AFTER_MONITORING = datetime(2026, 12, 31, tzinfo=UTC)


def _deploy(sessions, wf, *names: str) -> list[Deployed]:
    with sessions() as session, session.begin():
        return deploy(session, [source(name) for name in names], OPERATOR, wf.operations.names())


def _file_targets(simulation, sessions, instance_id: int) -> None:
    """The unit fills in its targets, so the target table's review is running."""
    (fill,) = ready_tasks(sessions, instance_id)
    assert fill.form == "target_table" and fill.element_id == "Task_FillTargets"
    assert simulation.complete_one(sessions, fill.id).ok
    (review,) = ready_tasks(sessions, instance_id)
    assert (review.process_key, review.element_id) == ("review__target_table", DEPARTMENT)


def _complete_ready(simulation, sessions, instance_ids: set[int]) -> None:
    """Complete ready tasks of these instances (approvals only) until none is left."""
    for _ in range(50):
        pending = [t for t in ready_tasks(sessions) if t.instance_id in instance_ids]
        if not pending:
            return
        for task in pending:
            outcome = simulation.complete_one(sessions, task.id)
            assert outcome is not None and outcome.ok, outcome
    raise AssertionError("tasks kept coming")


def _reviews(sessions, instance_id: int, process_key: str) -> list[HumanTask]:
    """Every review-level task an instance had for one document's review, in order."""
    with sessions() as session:
        return list(
            session.scalars(
                select(HumanTask)
                .where(
                    HumanTask.instance_id == instance_id,
                    HumanTask.process_key == process_key,
                    HumanTask.element_id.in_(REVIEW_LEVELS),
                )
                .order_by(HumanTask.id)
            )
        )


def _levels(sessions, instance_id: int, process_key: str) -> list[str]:
    return [t.element_id for t in _reviews(sessions, instance_id, process_key)]


def _spec_versions(sessions, instance_id: int) -> dict:
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        return session.get(ProcessSpec, instance.spec_sha256).versions


def _review_versions(versions: dict) -> set[int]:
    """The versions of `review` a spec bundle was built from, whatever the callers call it."""
    return {version for name, version in versions.items() if name.split("__")[0] == "review"}


def _performance_org(sessions, project_id: int) -> int:
    with sessions() as session:
        org = cycle_data(session, session.get(Project, project_id))["performance_org_id"]
    assert org is not None
    return org


def test_an_edited_review_changes_new_instances_and_not_running_ones(
    sessions, wf, clock, province, start, simulation
):
    a = start(province[0])
    _file_targets(simulation, sessions, a)

    deployed = _deploy(sessions, wf, "review_three_levels.bpmn")
    assert deployed == [Deployed("review_three_levels.bpmn", "review", 2, changed=True)]
    b = start(province[1])

    _complete_ready(simulation, sessions, {a, b})
    # A's target table review began on review v1: department, then finance, then done.
    assert _levels(sessions, a, "review__target_table") == [DEPARTMENT, FINANCE]
    # B started on review v2: the performance division reviews as a third level.
    assert _levels(sessions, b, "review__target_table") == [DEPARTMENT, FINANCE, PERFORMANCE]
    performance = _reviews(sessions, b, "review__target_table")[-1]
    assert performance.role == "performance" and performance.status == "completed"
    assert performance.org_id == _performance_org(sessions, province[1])
    assert ready_tasks(sessions, a) == [] and ready_tasks(sessions, b) == []

    with sessions() as session:
        rows = session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == "review")
            .order_by(ProcessDefinition.version)
        ).all()
        assert [(r.version, r.file_name) for r in rows] == [
            (1, "review.bpmn"),
            (2, "review_three_levels.bpmn"),
        ]
        assert rows[0].sha256 != rows[1].sha256
        a_spec = session.get(ProcessInstance, a).spec_sha256
        b_spec = session.get(ProcessInstance, b).spec_sha256
    assert a_spec != b_spec
    a_versions, b_versions = _spec_versions(sessions, a), _spec_versions(sessions, b)
    assert a_versions["budget_cycle"] == b_versions["budget_cycle"] == 1
    assert a_versions["review__target_table"] == 1 and b_versions["review__target_table"] == 2
    assert _review_versions(a_versions) == {1}
    assert _review_versions(b_versions) == {2}

    # Later in the year A's new documents still use v1: its spec bundle was fixed at start.
    stats = drive(simulation, sessions, clock, until=AFTER_MONITORING)
    assert stats.incidents == 0
    assert _levels(sessions, a, "review__monitoring_report")[:2] == [DEPARTMENT, FINANCE]
    assert _levels(sessions, b, "review__monitoring_report")[:3] == [
        DEPARTMENT,
        FINANCE,
        PERFORMANCE,
    ]
    with sessions() as session:
        a_elements = set(
            session.scalars(select(HumanTask.element_id).where(HumanTask.instance_id == a))
        )
    assert PERFORMANCE not in a_elements
    assert _spec_versions(sessions, a) == a_versions


def test_a_review_variant_changes_only_its_document_type(
    sessions, wf, clock, province, start, simulation
):
    a = start(province[0])
    _file_targets(simulation, sessions, a)

    deployed = _deploy(sessions, wf, "review_target_table_three_levels.bpmn")
    assert deployed == [
        Deployed("review_target_table_three_levels.bpmn", "review__target_table", 1, changed=True)
    ]
    b = start(province[1])
    _complete_ready(simulation, sessions, {a, b})

    # The running instance keeps the plain review for its target table.
    assert _levels(sessions, a, "review__target_table") == [DEPARTMENT, FINANCE]
    # A new instance reviews its target table with the variant…
    assert _levels(sessions, b, "review__target_table") == [DEPARTMENT, FINANCE, PERFORMANCE]
    b_versions = _spec_versions(sessions, b)
    assert b_versions["review__target_table"] == 1
    with sessions() as session:
        review = session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == "review")
        ).all()
        assert [r.version for r in review] == [1]

    # …and every other document type of that instance keeps two levels.
    stats = drive(simulation, sessions, clock, until=AFTER_MONITORING)
    assert stats.incidents == 0
    for instance in (a, b):
        assert _levels(sessions, instance, "review__monitoring_report")[:2] == [
            DEPARTMENT,
            FINANCE,
        ]
        assert PERFORMANCE not in _levels(sessions, instance, "review__monitoring_report")
    with sessions() as session:
        b_performance = session.scalars(
            select(HumanTask.process_key).where(
                HumanTask.instance_id == b, HumanTask.element_id == PERFORMANCE
            )
        ).all()
    assert b_performance == ["review__target_table"]


def _spec_body(sessions, instance_id: int) -> str:
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        return session.get(ProcessSpec, instance.spec_sha256).body


def test_a_new_decision_version_changes_new_instances_and_is_recorded(
    sessions, wf, province, start
):
    a = start(province[0])
    deployed = _deploy(sessions, wf, "grade_lenient.dmn")
    assert deployed == [Deployed("grade_lenient.dmn", "grade_decision", 2, changed=True)]
    b = start(province[1])

    # The grade table is part of the spec bundle fixed at start: A keeps 90, B grades A from 85.
    a_body, b_body = _spec_body(sessions, a), _spec_body(sessions, b)
    assert "80 <= ? < 90" in a_body and "75 <= ? < 85" not in a_body
    assert "75 <= ? < 85" in b_body and "80 <= ? < 90" not in b_body
    # process_spec.versions records the version of every process *and decision* a bundle was
    # built from, so an operator can tell which grade table an instance grades with.
    a_versions, b_versions = _spec_versions(sessions, a), _spec_versions(sessions, b)
    assert (a_versions.get("grade_decision"), b_versions.get("grade_decision")) == (1, 2)
