"""Deviation alerts as the caller may see them: filtered lists, one alert, dashboard counts.

Every statement joins an alert to its project (for the caller's scope and the functional
class), the project's unit and that unit's department, and the monitoring round it came from.
Counts are one GROUP BY per breakdown; nothing here walks the alerts in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Bundle, Session, aliased

from engine.actors import Actor
from engine.classifications import FUNCTIONAL_CLASSES
from engine.errors import NotFound
from engine.identity.access import in_department, project_scope, projects_in_scope
from engine.models import Alert, FiscalYear, Indicator, MonitoringTask, Organisation, Project, User
from engine.models.enums import Colour
from engine.monitoring.pace_ratio import PACE_COLUMNS, pace_ratio
from engine.paging import Page, paginate_keys, sort_by
from engine.workdays import BEIJING

UNIT = aliased(Organisation, name="alert_unit")
DEPARTMENT = aliased(Organisation, name="alert_department")
ACKNOWLEDGER = aliased(User, name="alert_acknowledger")
RESOLVER = aliased(User, name="alert_resolver")

# Both indexed: the primary key, and ix_alert_project (newest first is "-id").
ALERT_SORTS = {"id": Alert.id, "project_id": Alert.project_id}
COLOURS = tuple(colour.value for colour in Colour)
MAX_ID = 2**62


@dataclass(frozen=True)
class AlertFilter:
    colours: tuple[str, ...] = ()
    status: str | None = None
    kind: str | None = None
    project_id: int | None = None
    department_id: int | None = None
    functional_class: str | None = None
    year: int | None = None
    round: str | None = None
    months: int | None = None
    # Calendar days in Beijing time, both inclusive.
    raised_from: date | None = None
    raised_to: date | None = None


@dataclass(frozen=True)
class AlertView:
    """An alert with what a reader needs around it: project, unit, department, round, people."""

    alert: Alert
    # The neighbours' columns a reader shows (see VIEW_COLUMNS), not whole entities.
    project: Row  # id, code, name, functional_class
    unit: Row  # id, name
    department: Row | None  # id, name
    task: Row  # id, round_code, months_elapsed
    year: int
    indicator_name: str | None
    acknowledged_by: str | None
    resolved_by: str | None
    # What the 序时进度比 is computed from (engine/monitoring/pace_ratio.py PACE_COLUMNS, in
    # that order).
    executed: Decimal | None = None
    budget: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    operator: str | None = None

    @property
    def pace_ratio(self) -> Decimal | None:
        """The ratio to time progress the alert table's 序时进度比 column names."""
        return pace_ratio(
            self.alert.kind,
            self.task.months_elapsed if self.task else None,
            self.executed,
            self.budget,
            self.actual,
            self.target,
            self.operator,
        )

    def __getattr__(self, name):
        # Let schemas and templates read the alert's own columns directly (view.colour).
        return getattr(self.alert, name)


def _joined(stmt: Select, actor: Actor) -> Select:
    return (
        stmt.join(Project, Project.id == Alert.project_id)
        .join(UNIT, UNIT.id == Project.unit_id)
        .outerjoin(DEPARTMENT, DEPARTMENT.id == UNIT.parent_id)
        .join(MonitoringTask, MonitoringTask.id == Alert.task_id)
        .join(FiscalYear, FiscalYear.id == MonitoringTask.fiscal_year_id)
        .where(project_scope(actor))
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BEIJING)


def _on_alert(where: AlertFilter) -> list:
    conditions = []
    if where.colours:
        conditions.append(Alert.colour.in_([Colour(c) for c in where.colours]))
    if where.status:
        conditions.append(Alert.status == where.status)
    if where.kind:
        conditions.append(Alert.kind == where.kind)
    if where.project_id is not None:
        conditions.append(Alert.project_id == where.project_id)
    if where.raised_from is not None:
        conditions.append(Alert.raised_at >= _start_of(where.raised_from))
    if where.raised_to is not None:
        conditions.append(Alert.raised_at < _start_of(where.raised_to + timedelta(days=1)))
    return conditions


def _on_project(where: AlertFilter) -> list:
    conditions = []
    if where.department_id is not None:
        conditions.append(in_department(where.department_id))
    if where.functional_class:
        conditions.append(Project.functional_class == where.functional_class)
    return conditions


def _on_round(where: AlertFilter) -> list:
    conditions = []
    if where.year is not None:
        conditions.append(FiscalYear.year == where.year)
    if where.round:
        conditions.append(MonitoringTask.round_code == where.round)
    if where.months is not None:
        conditions.append(MonitoringTask.months_elapsed == where.months)
    return conditions


def _filtered(stmt: Select, where: AlertFilter) -> Select:
    """`where` on a statement that has joined the project and the round (`_joined`)."""
    return stmt.where(*_on_alert(where), *_on_project(where), *_on_round(where))


def _keys(actor: Actor, where: AlertFilter) -> Select:
    """The ids of the alerts in scope that pass `where`, with no join: the conditions on the
    project and on the round are subqueries, so counting and skipping walk alert indexes
    (ix_alert_project_colour, ix_alert_task_colour) instead of joining every alert."""
    stmt = select(Alert.id).where(*_on_alert(where))
    projects = projects_in_scope(actor, *_on_project(where))
    if projects is not None:
        stmt = stmt.where(Alert.project_id.in_(projects))
    on_round = _on_round(where)
    if on_round:
        rounds = select(MonitoringTask.id).join(
            FiscalYear, FiscalYear.id == MonitoringTask.fiscal_year_id
        )
        stmt = stmt.where(Alert.task_id.in_(rounds.where(*on_round)))
    return stmt


def _name_of(column, key):
    # A correlated lookup rather than a join: one primary-key probe per row of the page, and
    # three fewer tables for PostgreSQL's planner to order (planning the ten-table join took
    # longer than running it).
    return select(column).where(key).correlate(Alert).scalar_subquery()


class _Part(Bundle):
    """Columns of a row's neighbour read as one object (`view.unit.name`), or None when an
    outer join found none; lighter than loading the whole entity for two or three columns."""

    def create_row_processor(self, query, procs, labels):
        make = super().create_row_processor(query, procs, labels)

        def part(row):
            built = make(row)
            return None if built[0] is None else built

        return part


VIEW_COLUMNS = (
    Alert,
    _Part("project", Project.id, Project.code, Project.name, Project.functional_class),
    _Part("unit", UNIT.id, UNIT.name),
    _Part("department", DEPARTMENT.id, DEPARTMENT.name),
    _Part("task", MonitoringTask.id, MonitoringTask.round_code, MonitoringTask.months_elapsed),
    FiscalYear.year,
    _name_of(Indicator.name, Indicator.id == Alert.indicator_id),
    _name_of(ACKNOWLEDGER.display_name, ACKNOWLEDGER.id == Alert.acknowledged_by_id),
    _name_of(RESOLVER.display_name, RESOLVER.id == Alert.resolved_by_id),
    *PACE_COLUMNS,
)


def _view(row) -> AlertView:
    return AlertView(*row)


def list_alerts(
    session: Session,
    actor: Actor,
    where: AlertFilter,
    page: int,
    per_page: int,
    sort: str | None = None,
) -> Page:
    """The alerts `actor` may see, filtered, newest first unless asked otherwise."""
    keys = sort_by(_keys(actor, where), sort or "-id", ALERT_SORTS, Alert.id)

    def load(ids: list[int]) -> dict[int, AlertView]:
        views = _joined(select(*VIEW_COLUMNS).select_from(Alert), actor)
        return {
            view.alert.id: view
            for view in map(_view, session.execute(views.where(Alert.id.in_(ids))))
        }

    return paginate_keys(session, keys, page, per_page, load)


def get_alert(session: Session, actor: Actor, alert_id: int) -> AlertView:
    """One alert if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    # Ids past BIGINT exist nowhere, and the database drivers refuse to bind them.
    if not 1 <= alert_id <= MAX_ID:
        raise NotFound(
            f"no alert {alert_id}",
            errors={"alert": "not found"},
            key="no_alert",
            params={"id": alert_id},
        )
    stmt = _joined(select(*VIEW_COLUMNS).select_from(Alert), actor)
    row = session.execute(stmt.where(Alert.id == alert_id)).one_or_none()
    if row is None:
        raise NotFound(
            f"no alert {alert_id}",
            errors={"alert": "not found"},
            key="no_alert",
            params={"id": alert_id},
        )
    return _view(row)


@dataclass
class Counts:
    red: int = 0
    yellow: int = 0
    green: int = 0
    blue: int = 0

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.green + self.blue

    def add(self, colour: Colour | str, count: int) -> None:
        name = Colour(colour).value
        setattr(self, name, getattr(self, name) + count)


@dataclass
class Bucket:
    """One bar of a breakdown: a key, its labels and the counts per colour."""

    key: str
    label: str
    label_en: str
    counts: Counts = field(default_factory=Counts)
    year: int | None = None
    months: int | None = None


@dataclass(frozen=True)
class Summary:
    totals: Counts
    over_time: list[Bucket]
    by_department: list[Bucket]
    by_functional_class: list[Bucket]


def _grouped(session: Session, actor: Actor, where: AlertFilter, *keys) -> list:
    stmt = _filtered(
        _joined(select(*keys, Alert.colour, func.count()).select_from(Alert), actor), where
    )
    return list(session.execute(stmt.group_by(*keys, Alert.colour)).all())


def _buckets(rows, make) -> list[Bucket]:
    """Fold (key…, colour, count) rows into one bucket per key (rows are already aggregated)."""
    buckets: dict = {}
    for *key, colour, count in rows:
        bucket = buckets.get(tuple(key))
        if bucket is None:
            bucket = buckets[tuple(key)] = make(*key)
        bucket.counts.add(colour, count)
    return list(buckets.values())


def summarise(session: Session, actor: Actor, where: AlertFilter) -> Summary:
    """Counts per colour: overall, per monitoring round, per department, per functional class."""
    totals = Counts()
    for colour, count in _grouped(session, actor, where):
        totals.add(colour, count)
    rounds = _grouped(
        session,
        actor,
        where,
        FiscalYear.year,
        MonitoringTask.months_elapsed,
        MonitoringTask.round_code,
    )
    over_time = sorted(
        _buckets(
            rows=rounds,
            make=lambda year, months, code: Bucket(
                key=f"{year}:{code}",
                label=f"{year}年1–{months}月",
                label_en=f"{year} Jan–{_MONTHS[months - 1]}",
                year=year,
                months=months,
            ),
        ),
        key=lambda bucket: (bucket.year, bucket.months, bucket.key),
    )
    departments = _grouped(session, actor, where, DEPARTMENT.id, DEPARTMENT.code, DEPARTMENT.name)
    by_department = _buckets(
        departments,
        lambda dep_id, code, name: Bucket(
            key=str(dep_id) if dep_id is not None else "",
            label=name or "—",
            label_en=name or "—",
        ),
    )
    classes = _grouped(session, actor, where, Project.functional_class)
    by_class = _buckets(
        classes,
        lambda code: Bucket(
            key=code,
            label=f"{code} {FUNCTIONAL_CLASSES.get(code, (code, code))[0]}",
            label_en=f"{code} {FUNCTIONAL_CLASSES.get(code, (code, code))[1]}",
        ),
    )
    return Summary(
        totals=totals,
        over_time=over_time,
        by_department=sorted(by_department, key=_worst_first),
        by_functional_class=sorted(by_class, key=lambda bucket: bucket.key),
    )


def _worst_first(bucket: Bucket):
    return (-bucket.counts.red, -bucket.counts.total, bucket.key)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
