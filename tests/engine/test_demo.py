"""The main job: `budgetloop demo --no-serve` sets everything up and prints a summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.demo import format_summary, run_demo

BUDGETLOOP = Path(sys.executable).parent / "budgetloop"


def test_demo_on_a_fresh_instance_folder(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance")}
    command = [str(BUDGETLOOP), "demo", "--no-serve", "--projects", "300"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "运行摘要" in first.stdout and "项目 (projects): 300" in first.stdout
    assert (tmp_path / "instance" / "budgetloop.sqlite3").exists()
    assert (tmp_path / "instance" / "secret_key").exists()
    # A second run reuses the province instead of failing or duplicating it.
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "seed (reused)" in second.stdout and "项目 (projects): 300" in second.stdout


def test_demo_summary_on_each_database(empty_database_url):
    from engine.db import create_db_engine, session_factory

    engine = create_db_engine(empty_database_url)
    summary = run_demo(engine, session_factory(engine), year=2026, projects=120, seed=5)
    engine.dispose()
    assert summary.projects == 120 and summary.units >= 1
    assert sum(count for _, count, _ in summary.by_class) == 120
    assert summary.requested_total == sum(total for _, _, total in summary.by_class)
    text = format_summary(summary)
    assert "按支出功能分类" in text and "万元" in text
