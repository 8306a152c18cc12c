"""Deviation alerts for a whole monitoring round as set-based SQL.

Budget and indicator alerts are stored when they deviate (red, yellow, or blue for an
over-run); every project gets its overall colour, the worst of all of them.

Amounts and measures are stored as scaled integers, so every comparison here is integer
arithmetic: `rate / (m / 12) < 0.6` becomes `executed × 12 × 10 < 6 × m × budget`. The result is
exactly that of the per-project functions in engine/monitoring/pace.py (a test compares them).

Each colour is computed once, as a severity (red 3 > yellow 2 > green 1 > blue 0), into a
temporary table; the alerts and the projects' roll-up are read from that table instead of
joining reports, rows and indicators again for each kind of alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    case,
    func,
    insert,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from engine.models import (
    Alert,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
)
from engine.models.types import utcnow
from engine.monitoring.families import alert_settings, family_of
from engine.monitoring.unalerted import unalerted

SEVERITY = {"red": 3, "yellow": 2, "green": 1, "blue": 0}
RED, YELLOW, GREEN, BLUE = (SEVERITY[c] for c in ("red", "yellow", "green", "blue"))

# The colours of a round's new reports: every budget colour, so that every report is there,
# and every indicator colour that is not green.
COLOURS = Table(
    "alert_colour",
    MetaData(),
    Column("report_id", Integer, nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("indicator_id", Integer),  # NULL for the budget colour
    Column("severity", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
ALERT_COLUMNS = [
    "task_id",
    "project_id",
    "report_id",
    "indicator_id",
    "kind",
    "rule_family",
    "colour",
    "status",
    "raised_at",
    "version",
]
# Memory for the bulk statements, per database. SQLite keeps 2 MB of a temporary table's pages
# in memory and writes the rest to a file (100,000 reports' colours take about 15 MB);
# PostgreSQL's 4 MB work_mem splits the hash joins over a million rows into batches on disk.
WORKING_MEMORY = {"sqlite": ("temp.cache_size", "-65536"), "postgresql": ("work_mem", "64MB")}
# SQLite evaluates each `IN (…)` CHECK constraint by a lookup per row: the four on alert cost
# a fifth of writing the round's alerts. What is written here cannot fail them (see `_raise`).
UNCHECKED = {"sqlite": ("ignore_check_constraints", "1")}


def _int(column):
    return type_coerce(column, BigInteger)


def _scaled(threshold: str, scale: int) -> int:
    return int(Decimal(threshold) * scale)


def _scale(*thresholds: str) -> int:
    places = max(-Decimal(t).as_tuple().exponent for t in thresholds)
    return 10 ** max(places, 0)


def _budget_severity(report, months: int, thresholds: dict):
    d = _scale(thresholds["red_below"], thresholds["yellow_below"])
    executed = _int(report.c.executed_to_date) * 12 * d
    planned = _int(report.c.budget) * months
    return case(
        (executed < planned * _scaled(thresholds["red_below"], d), RED),
        (executed < planned * _scaled(thresholds["yellow_below"], d), YELLOW),
        else_=GREEN,
    )


def _indicator_severity(row, indicator, months: int, thresholds: dict):
    d = _scale(thresholds["red_below"], thresholds["yellow_below"], thresholds["blue_from"])
    actual = func.coalesce(_int(row.c.actual_to_date), 0)
    target = _int(indicator.c.target_value)
    progress, scale = actual * 12 * d, target * months
    return case(
        (row.c.likelihood == "impossible", RED),
        (
            indicator.c.operator == "qualitative",
            case(
                (row.c.qualitative_band == "achieved", GREEN),
                (row.c.qualitative_band == "partly", YELLOW),
                else_=RED,
            ),
        ),
        (indicator.c.operator == "<=", case((actual <= target, GREEN), else_=RED)),
        (indicator.c.operator == "<", case((actual < target, GREEN), else_=RED)),
        (target == 0, GREEN),
        (progress < scale * _scaled(thresholds["red_below"], d), RED),
        (progress < scale * _scaled(thresholds["yellow_below"], d), YELLOW),
        (progress >= scale * _scaled(thresholds["blue_from"], d), BLUE),
        else_=GREEN,
    )


def _colour(severity):
    # No ELSE: any other severity would be NULL and fail the NOT NULL on alert.colour.
    return case(*[(severity == rank, literal(name)) for name, rank in SEVERITY.items()])


@contextmanager
def _setting(session: Session, per_dialect: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Change a connection setting for the block only, where the database has one to change.

    The connection serves everything else once it is back in the pool, so the setting must
    not outlive the block.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in per_dialect:
        yield
        return
    name, value = per_dialect[dialect]
    if dialect == "postgresql":
        before = connection.scalar(select(func.current_setting(name)))
        connection.scalar(select(func.set_config(name, value, True)))
        yield
        # Local to the transaction: a failure, which aborts it, takes the setting with it.
        connection.scalar(select(func.set_config(name, before, True)))
        return
    before = connection.exec_driver_sql(f"PRAGMA {name}").scalar()
    connection.exec_driver_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        # A SQLite pragma belongs to the connection and outlives transactions.
        connection.exec_driver_sql(f"PRAGMA {name} = {int(before)}")


def pace_family(session: Session, task: MonitoringTask, thresholds: dict, now: datetime) -> int:
    """The default rules: budget and indicator pace against time, project = the worst."""
    m = task.months_elapsed
    report, row, indicator = (
        MonitoringReport.__table__,
        MonitoringRow.__table__,
        Indicator.__table__,
    )
    fresh = unalerted(task.id, "pace")
    budget_severity = _budget_severity(report, m, thresholds["budget"])
    indicator_severity = _indicator_severity(row, indicator, m, thresholds["indicator"])
    columns = [c.name for c in COLOURS.c]
    connection = session.connection()
    # A computation that failed earlier in this transaction may have left the table behind.
    COLOURS.drop(connection, checkfirst=True)
    COLOURS.create(connection)
    # (After the CREATE: SQLite's temporary database reports no cache size until it exists.)
    with _setting(session, WORKING_MEMORY):
        # Which reports are new is decided here, once: everything after reads COLOURS only.
        session.execute(
            insert(COLOURS).from_select(
                columns,
                select(
                    report.c.id, report.c.project_id, literal(None, Integer), budget_severity
                ).where(fresh),
            )
        )
        new_reports = session.scalar(select(func.count()).select_from(COLOURS))
        if new_reports:
            session.execute(
                insert(COLOURS).from_select(
                    columns,
                    select(report.c.id, report.c.project_id, row.c.indicator_id, indicator_severity)
                    .select_from(
                        report.join(row, row.c.report_id == report.c.id).join(
                            indicator, indicator.c.id == row.c.indicator_id
                        )
                    )
                    .where(fresh, indicator_severity != GREEN),
                )
            )
            _raise(session, task.id, now)
    COLOURS.drop(connection)
    return new_reports


def _raise(session: Session, task_id: int, now: datetime) -> None:
    """Write the alerts for the colours in COLOURS: the deviations, then each project's worst."""
    alerts, colours = Alert.__table__, COLOURS

    def alert_rows(indicator_id, kind, severity):
        return select(
            literal(task_id),
            colours.c.project_id,
            colours.c.report_id,
            indicator_id,
            kind,
            literal("pace"),
            _colour(severity),
            literal("open"),
            literal(now, alerts.c.raised_at.type),
            literal(1),
        )

    deviations = alert_rows(
        colours.c.indicator_id,
        case((colours.c.indicator_id.is_(None), literal("budget")), else_=literal("indicator")),
        colours.c.severity,
    ).where(colours.c.severity != GREEN)
    # The project's colour is the worst of all its colours, green ones included. The green
    # indicator colours are not in the table and cannot matter: every report's budget colour
    # is, and it is never better than green.
    projects = alert_rows(
        literal(None, Integer), literal("project"), func.max(colours.c.severity)
    ).group_by(colours.c.report_id, colours.c.project_id)
    # Kind, colour and status are the literals above, so the CHECK constraints on them hold;
    # NOT NULL and the foreign keys are still enforced.
    with _setting(session, UNCHECKED):
        session.execute(insert(alerts).from_select(ALERT_COLUMNS, deviations))
        session.execute(insert(alerts).from_select(ALERT_COLUMNS, projects))


def compute_round(
    session: Session, task_id: int, now: datetime | None = None, family: str | None = None
) -> int:
    """Raise the alerts of every submitted report of a round that has none yet."""
    task = session.get(MonitoringTask, task_id)
    settings = alert_settings(session, task)
    chosen = family_of(settings, family)
    return chosen.set_based(session, task, settings[chosen.name], now or utcnow())
