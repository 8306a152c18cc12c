"""The budget cycle's service operations, called by name from the BPMN service tasks."""
