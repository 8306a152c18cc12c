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
# What each kind is called where no page's catalogue is at hand (the demo's summary).
LABELS = {
    TASK: "新待办",
    RETURNED: "退回修改",
    ALERT: "项目预警",
    DEADLINE_NEAR: "期限临近",
    DEADLINE_PASSED: "已逾期",
    DECISION: "资金安排决定",
}
