"""`budgetloop permissions`: who may do what, printed from the permission table itself."""

from __future__ import annotations

import json

import click

from engine.identity.permissions import TABLE, Permission


@click.command("permissions")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def command(as_json: bool) -> None:
    """Print each role's scope and permissions (engine/identity/permissions.py)."""
    if as_json:
        rows = {
            row.role.value: {
                "scope": row.scope.value,
                "permissions": sorted(p.value for p in row.permissions),
                "labels": list(row.labels),
                "accounts": row.has_accounts,
            }
            for row in TABLE
        }
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    roles = [row.role.value for row in TABLE]
    for row in TABLE:
        labels = " / ".join(row.labels) or "anonymous visitors"
        click.echo(f"{row.role.value:<12} sees {row.scope.value:<13} ({labels})")
    click.echo()
    width = max(len(p.value) for p in Permission)
    click.echo(" " * width + "  " + "  ".join(roles))
    for permission in Permission:
        cells = ("x" if permission in row.permissions else "." for row in TABLE)
        marks = "  ".join(f"{cell:^{len(role)}}" for cell, role in zip(cells, roles, strict=True))
        click.echo(f"{permission.value:<{width}}  {marks}".rstrip())
