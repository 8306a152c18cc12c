"""What `budgetloop demo` prints of the year under way: where its work waits per department and
step, the holiday-crossing deadlines, the message centre, the frames, department overall
performance and the continuing projects (engine/demo/province_at_work.py left them)."""

from __future__ import annotations

from engine.demo.province_at_work import SEASON_STEPS, ProvinceAtWork
from engine.notifications.kinds import LABELS
from engine.report import holiday_line


def department_at_work_line(at_work: ProvinceAtWork) -> str:
    """The year's department overall performance where it waits, in a line of the summary."""
    steps = "；".join(
        f"{step} {len(holders)}（{'、'.join(holders)}）"
        for step, holders in at_work.department_waiting.items()
    )
    return (
        f"  部门整体绩效 (department overall performance) {at_work.year}: "
        f"{at_work.department_plans} 个部门整体绩效目标；待办 (waiting): {steps or '—'}"
    )


def format_at_work(at_work: ProvinceAtWork) -> str:
    """Where this year's work waits, per department, for the summary `budgetloop demo` prints."""
    lines = [
        f"{at_work.year} 年度进行中 (year under way), 时钟停在 (clock paused at) "
        f"{at_work.paused_at:%Y-%m-%d}; 待办 (ready tasks) by department and step:"
    ]
    for department, steps in sorted(at_work.waiting.items()):
        shown = "  ".join(
            f"{step.split()[0]} {steps[step]}" for step in SEASON_STEPS if step in steps
        )
        lines.append(f"  {department}: {shown}")
    if at_work.holiday_deadlines[0]:
        lines.append(holiday_line(*at_work.holiday_deadlines))
    if at_work.messages:
        kinds = "、".join(
            f"{LABELS.get(kind, kind)} {n:,}" for kind, n in at_work.messages.most_common()
        )
        lines.append(
            f"  站内消息 (messages): {sum(at_work.messages.values()):,} 条（{kinds}），"
            "含临近和超过期限的催办提醒 (reminders of deadlines due soon and passed)"
        )
    if at_work.department_plans:
        lines.append(department_at_work_line(at_work))
    if at_work.frame_use:
        lines.append(frames_line(at_work.frame_use))
    if at_work.continuing:
        lines.append(
            f"  历年情况 (trends): {at_work.continuing:,} 个延续项目可与上年度比较"
            "（项目页“历年情况”、部门历年情况、监管看板“各部门同比”）"
            " (continuing projects with last year to compare)"
        )
    return "\n".join(lines)


def frames_line(uses: list) -> str:
    """Each year's target tables by indicator frame, and how many set cost indicators."""
    years = "；".join(
        f"{use.year} 年 "
        + "、".join(f"{name} {n:,} 张" for name, n in sorted(use.tables.items()))
        + (f"（其中 {use.with_cost:,} 张设有成本一级指标）" if use.with_cost else "")
        for use in uses
    )
    return f"  指标框架 (indicator frames): {years} (target tables by frame)"
