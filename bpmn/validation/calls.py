"""Call activities: the process called must be deployed, and no call may lead back to a process
already on its own call path."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity

from bpmn.validation.file_check import FileCheck


def check_called(check: FileCheck, task_spec, element: str) -> None:
    if check.resolve(task_spec.spec) is None:
        check.error(
            element,
            f"calls process '{task_spec.spec}', which is not deployed: deploy it first "
            "or in the same deployment, or call a deployed process",
            "call_missing",
            called=task_spec.spec,
        )


def check_cycles(check: FileCheck, root: str) -> None:
    """Reject call activities that lead back to a process on their own call path."""

    def walk(process_id: str, path: tuple[str, ...]) -> None:
        for task_spec in check.catalogue.spec(process_id).task_specs.values():
            if not isinstance(task_spec, CallActivity):
                continue
            target = check.resolve(task_spec.spec)
            if target is None:
                continue
            if target in path:
                check.error(
                    task_spec.bpmn_id,
                    f"calls '{task_spec.spec}', which leads back to '{target}': "
                    "recursive call activities never end; remove the call or call "
                    "another process",
                    "recursive_call",
                    called=task_spec.spec,
                    target=target,
                )
                continue
            walk(target, (*path, target))

    walk(root, (root,))
