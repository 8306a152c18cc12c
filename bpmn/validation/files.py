"""A whole file: its name and ids, each process (it must bundle with what it calls, and its
calls must not loop), each task in it, and in a DMN file each decision."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bpmn.catalogue import Catalogue, ParsedFile
from bpmn.errors import DefinitionError
from bpmn.validation.calls import check_cycles
from bpmn.validation.decision_tables import check_decision
from bpmn.validation.file_check import FileCheck
from bpmn.validation.tasks import check_task, no_operation

# Ids and names are stored in the work queue and the definition table; longer ones cannot be.
MAX_ID_LENGTH = 100
MAX_NAME_LENGTH = 200


def check_file(
    catalogue: Catalogue,
    parsed: ParsedFile,
    *,
    roles: Collection[str],
    operations: Collection[str],
    available: Collection[str],
    forms: Mapping[str, tuple[str, ...]] | None = None,
) -> list[DefinitionError]:
    """Every problem of one parsed file (empty when it may be deployed).

    `forms` maps each registered form to the outcomes its `outcome` field allows; with it,
    user tasks must name a registered form (or none) and give each outcome a path of its own.
    """
    check = FileCheck(catalogue, parsed, roles, operations, available, forms)
    if parsed.kind == "dmn":
        for decision_id in parsed.decisions:
            check.guard(decision_id, lambda d=decision_id: check_decision(check, d))
    else:
        _check_bpmn(check)
    return check.errors


def _check_bpmn(check: FileCheck) -> None:
    parsed = check.parsed
    for element in parsed.reserved_ids:
        check.error(
            element,
            "this id is reserved by the workflow engine; rename the element",
            "reserved_id",
        )
    if len(parsed.source.name) > MAX_NAME_LENGTH:
        check.error(
            None,
            f"the file name is longer than {MAX_NAME_LENGTH} characters; shorten it",
            "file_name_too_long",
            max=MAX_NAME_LENGTH,
        )
    for element in parsed.provides:
        if len(element) > MAX_ID_LENGTH:
            check.error(
                element[:40] + "…",
                f"the id is longer than {MAX_ID_LENGTH} characters; shorten it",
                "id_too_long",
                max=MAX_ID_LENGTH,
            )
    for process_id in parsed.processes:
        try:
            check.catalogue.bundle_specs(process_id, check.available)
            spec = check.catalogue.spec(process_id)
        except DefinitionError as error:
            if error.code == "no_operation":
                no_operation(check, error.element)
            else:
                check.errors.append(error)
            continue
        except Exception as error:  # the library raises plain exceptions on odd input
            detail = f"{type(error).__name__}: {error}"
            check.error(process_id, f"cannot be parsed: {detail}", "library", detail=detail)
            continue
        check.guard(process_id, lambda p=process_id: check_cycles(check, p))
        for task_spec in spec.task_specs.values():
            element = getattr(task_spec, "bpmn_id", None)
            if element and len(element) > MAX_ID_LENGTH:
                check.error(element[:40] + "…", f"the id is longer than {MAX_ID_LENGTH} characters")
            elif element:
                check.guard(element, lambda t=task_spec, e=element: check_task(check, t, e))
