"""A plain `bpmn:task` passes: an abstract task with no type completes as soon as it is reached.

BPMN gives an untyped task no behaviour of its own; Camunda and Flowable run it as a
pass-through. SpiffWorkflow instead makes it a manual task (`NoneTask.manual = True`) that waits
for somebody to complete it, which here would be a work item with no role, no form and nobody
able to see it. :class:`PassThroughTask` is the library's task with `manual` off, so the engine
runs it among its own steps (prescript and postscript included) and nothing waits in an inbox.

Parsed specs get it from :class:`bpmn.decision_specs.DecisionParser`; restored ones from the
converter registered in bpmn/serializer.py. Its serialized form is the library's own with its
own type name, so a stored spec says which behaviour it was deployed with.
"""

from __future__ import annotations

from SpiffWorkflow.spiff.specs.defaults import NoneTask


class PassThroughTask(NoneTask):
    """A `bpmn:task` the engine completes at once (never a work item)."""

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        # NoneTask sets manual after its own init, whatever the stored spec said: undo it here.
        self.manual = False
