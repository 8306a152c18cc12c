"""Role names are spelled in one place: the `Role` enum and the permission table.

Everywhere else asks the table (`may`, `require`, `scope_of`, `holders`) or names `Role.X`, so
a new role is one enum member and one table row, and no check can drift from the table. The
test reads every module's syntax tree and flags a role name used as a role: compared with a
`role`, passed as `role=`, or grouped with another role name in a collection (a role set).
Strings that merely coincide with a role ("unit" as a unit of measure) are not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

from engine.models.enums import Role

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "web", "bpmn", "rules")
# The enum, the table, and the migrations (which must keep the names they were written with).
ALLOWED = {"engine/models/enums.py", "engine/identity/permissions.py"}
NAMES = {role.value for role in Role}


def _is_role_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def _mentions_role(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (
        isinstance(node, ast.Name) and node.id == "role"
    )


def _role_literals(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_mentions_role(side) for side in sides):
                literals = [
                    element
                    for side in sides
                    for element in (
                        side.elts if isinstance(side, ast.Tuple | ast.Set | ast.List) else [side]
                    )
                    if _is_role_name(element)
                ]
                lines += [literal.lineno for literal in literals]
        elif isinstance(node, ast.keyword) and node.arg == "role" and _is_role_name(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Set | ast.Tuple | ast.List):
            found = [element for element in node.elts if _is_role_name(element)]
            if len(found) >= 2:
                lines += [element.lineno for element in found]
        elif isinstance(node, ast.Dict):
            found = [key for key in node.keys if key is not None and _is_role_name(key)]
            if len(found) >= 2:
                lines += [key.lineno for key in found]
    return sorted(set(lines))


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in name and name not in ALLOWED:
                yield name, path


def test_no_role_name_is_spelled_outside_the_enum_and_the_table():
    found = {
        name: lines
        for name, path in _modules()
        if (lines := _role_literals(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not found, f"role names spelled outside the permission table (file: lines): {found}"


def test_the_check_finds_what_it_looks_for():
    # The scan is only worth something if it catches each way a role used to be spelled.
    samples = {
        'if actor.role == "unit": pass': 1,
        'READERS = frozenset({"performance", "supervisor"})': 1,
        'Actor(name="x", role="public")': 1,
        'ok = role in ("finance", "department")': 1,
        'LABELS = {"unit": "a", "finance": "b"}': 1,
        'columns = ("level1", "unit", "weight")': 0,
        'value = item.get("unit")': 0,
    }
    for source, expected in samples.items():
        assert len(_role_literals(ast.parse(source))) == expected, source
