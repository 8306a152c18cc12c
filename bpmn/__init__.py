"""The process layer: BPMN/DMN definitions and their safe execution on SpiffWorkflow."""
