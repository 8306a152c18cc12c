"""The whole content of a database, to show that a failed command changed nothing."""

from __future__ import annotations

from sqlalchemy import DateTime, Engine, column, inspect, select, table


def snapshot(
    engine: Engine, *, without_timestamps: bool = False, skip: tuple[str, ...] = ()
) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (optionally leaving out the clock)."""
    inspector = inspect(engine)
    content = {}
    with engine.connect() as connection:
        for name in sorted(inspector.get_table_names()):
            if name in skip:
                continue
            columns = [
                c["name"]
                for c in inspector.get_columns(name)
                if not (without_timestamps and isinstance(c["type"], DateTime))
            ]
            selected = [column(c) for c in columns]
            query = select(*selected).select_from(table(name)).order_by(*selected)
            content[name] = [tuple(row) for row in connection.execute(query)]
    return content
