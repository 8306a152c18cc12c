"""The import layers web → engine → bpmn | rules hold (import-linter contract in pyproject)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every contract kept, however many there are (the expression grammar has its own).
    assert " 0 broken" in result.stdout


def test_engine_never_imports_flask():
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "engine").rglob("*.py")
        if "import flask" in path.read_text(encoding="utf-8").lower()
        or "from flask" in path.read_text(encoding="utf-8").lower()
    ]
    assert offenders == []
