"""The kinds of message; a user may mute any of them."""

from __future__ import annotations

TASK = "task"  # a new task in the user's inbox
RETURNED = "returned"  # a document of theirs was returned for revision
ALERT = "alert"  # a red or yellow alert raised on one of their projects
DEADLINE_NEAR = "deadline_near"  # a task or rectification order falls due soon
DEADLINE_PASSED = "deadline_passed"  # … and its deadline has passed
DECISION = "decision"  # a funding decision on one of their projects was confirmed

KINDS = (TASK, RETURNED, ALERT, DEADLINE_NEAR, DEADLINE_PASSED, DECISION)
REMINDERS = (DEADLINE_NEAR, DEADLINE_PASSED)
