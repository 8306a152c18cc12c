"""The main job: `budgetloop demo --no-serve` sets everything up and prints a summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.demo.main import run_demo
from engine.report import format_summary

BUDGETLOOP = Path(sys.executable).parent / "budgetloop"


def test_demo_on_a_fresh_instance_folder(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance")}
    command = [str(BUDGETLOOP), "demo", "--no-serve", "--projects", "40"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "运行摘要" in first.stdout and "项目 (projects): 40" in first.stdout
    # The whole year ran through the engine: every stage reported, every project decided.
    for stage in ("目标申报", "运行监控", "评价与结果应用"):
        assert stage in first.stderr
    assert "stages run): schema, seed, cycle" in first.stdout
    assert "incidents 0" in first.stdout
    assert (tmp_path / "instance" / "budgetloop.sqlite3").exists()
    assert (tmp_path / "instance" / "secret_key").exists()
    # A second run reuses the province instead of failing or duplicating it.
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "seed (reused)" in second.stdout and "项目 (projects): 40" in second.stdout


def test_demo_summary_on_each_database(empty_database_url):
    from engine.db import create_db_engine, session_factory

    engine = create_db_engine(empty_database_url)
    summary = run_demo(engine, session_factory(engine), year=2026, projects=30, seed=5)
    engine.dispose()
    assert summary.projects == 30 and summary.units >= 1
    assert sum(count for _, count, _ in summary.by_class) == 30
    assert summary.requested_total == sum(total for _, _, total in summary.by_class)
    # New projects of 5,000,000 元 or more were assessed first; those not supported left the
    # year: every other project was graded, alerted on and decided.
    rejected = summary.ex_ante["reject"]
    assert sum(summary.ex_ante.values()) > 0 and "事前绩效评估" in format_summary(summary)
    assert sum(summary.decisions.values()) == sum(summary.grades.values()) == 30 - rejected
    assert summary.activity["incidents"] == 0 and summary.activity["tasks"] > 30 * 8
    assert sum(summary.alerts.values()) == 30 - rejected
    # Fewer than ten departments: every one ranks in the top ten, so grade A is commended.
    assert summary.grades["A"] > 0 and summary.actions["commendation"] > 0
    text = format_summary(summary)
    headings = (
        "按支出功能分类",
        "评价等级",
        "监控预警",
        "资金安排决定",
        "问责与表扬",
        "下年度预算安排变化",
    )
    for heading in headings:
        assert heading in text
