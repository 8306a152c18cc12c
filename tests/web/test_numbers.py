"""Numbers on the pages: the filters of web/formatting.py, and pages that once showed `2E+2`."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.support.drive import drive_to_form
from web import formatting

CASES = [
    # filter, value, expected
    ("plain", Decimal("2E+2"), "200"),
    ("plain", Decimal("3E+5"), "300000"),
    ("plain", Decimal("1E+2"), "100"),
    ("plain", Decimal("100.0000"), "100"),
    ("plain", Decimal("97.2000"), "97.2"),
    ("plain", Decimal("0.0500"), "0.05"),
    ("plain", Decimal("-12.50"), "-12.5"),
    ("plain", Decimal("-0"), "0"),
    ("plain", Decimal("0E-8"), "0"),
    ("plain", Decimal("1E+30"), "1000000000000000000000000000000"),
    ("plain", Decimal("1E-100000"), "0"),
    ("plain", 3.0, "3"),
    ("plain", 7, "7"),
    ("plain", "1.50", "1.5"),
    ("plain", None, ""),
    ("plain", "", ""),
    ("plain", "abc", "—"),
    ("plain", Decimal("NaN"), "—"),
    ("plain", Decimal("Infinity"), "—"),
    ("plain", Decimal("1E+999999"), "—"),
    ("plain", True, "—"),
    ("count", Decimal("3E+5"), "300,000"),
    ("count", 1234, "1,234"),
    ("count", Decimal("2.5"), "3"),
    ("count", Decimal("-1234.4"), "-1,234"),
    ("count", 0, "0"),
    ("yuan", Decimal("2E+2"), "200.00"),
    ("yuan", Decimal("3E+5"), "300,000.00"),
    ("yuan", Decimal("1234567.805"), "1,234,567.81"),
    ("yuan", Decimal("-1234.5"), "-1,234.50"),
    ("yuan", Decimal("-0.001"), "0.00"),
    ("yuan", 0, "0.00"),
    (
        "yuan",
        Decimal("123456789012345678901234567890.12"),
        "123,456,789,012,345,678,901,234,567,890.12",
    ),
    ("wan_yuan", Decimal("3E+5"), "30.00"),
    ("wan_yuan", Decimal("12345678"), "1,234.57"),
    ("wan_yuan", Decimal("-50000"), "-5.00"),
    ("signed_yuan", Decimal("0"), "0.00"),
    ("signed_yuan", Decimal("-0.00"), "0.00"),
    ("signed_yuan", Decimal("2E+2"), "+200.00"),
    ("signed_yuan", Decimal("-1234.5"), "-1,234.50"),
    ("percent", Decimal("0.972"), "97.2%"),
    ("percent", Decimal("1E+0"), "100.0%"),
    ("percent", Decimal("0"), "0.0%"),
    ("percent", Decimal("-0.0001"), "0.0%"),
    ("percent", 0.5, "50.0%"),
    ("points", Decimal("1E+2"), "100%"),
    ("points", Decimal("97.20"), "97.2%"),
    ("factor", Decimal("1.0000"), "×1"),
    ("factor", Decimal("0.9000"), "×0.9"),
    ("factor", Decimal("5E-1"), "×0.5"),
]


@pytest.mark.parametrize(("name", "value", "expected"), CASES)
def test_each_filter_writes_plain_numbers(name, value, expected):
    assert formatting.FILTERS[name](value) == expected


def test_percent_takes_the_places_asked_for():
    assert formatting.percent(Decimal("0.97245"), 2) == "97.25%"
    assert formatting.percent(Decimal("3E+5"), 0) == "30000000%"


def test_the_filters_are_registered_on_the_app(app):
    for name in formatting.FILTERS:
        assert app.jinja_env.filters[name] is formatting.FILTERS[name]
    template = app.jinja_env.from_string("{{ v|plain }} {{ v|yuan }} {{ r|percent }}")
    assert template.render(v=Decimal("2E+2"), r=Decimal("0.5")) == "200 200.00 50.0%"


SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]\d")


# A session's CSRF token, in the page's meta tag and its forms: random letters that once held
# "1E-5" and failed the crawl of a whole year's pages.
CSRF_TOKEN = re.compile(r'(name="csrf[-_]token" (?:content|value)=")[^"]*"')


def readable(html: str) -> str:
    """The page as a reader meets it: its markup without scripts and without the CSRF token."""
    return CSRF_TOKEN.sub(r'\1"', re.sub(r"<script.*?</script>", "", html, flags=re.S))


def assert_no_scientific_notation(html: str) -> None:
    found = SCIENTIFIC.findall(readable(html))
    assert not found, f"scientific notation on the page: {found[:5]}"
    assert "E+" not in readable(html)


# ---- pages of the lived-in year --------------------------------------------------------


def _ids(world_app, stmt) -> list[int]:
    with world_app.extensions["budgetloop.sessions"]() as session:
        return list(session.scalars(stmt))


def _crawl(client, urls: list[str]) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = response.text
    return pages


def test_no_page_of_the_year_writes_scientific_notation(world_app, login):
    from sqlalchemy import select

    from engine.models import Evaluation, HumanTask, Project

    client = login("performance")
    urls = [f"/projects/{i}" for i in _ids(world_app, select(Project.id).order_by(Project.id))]
    urls += [
        f"/evaluations/{i}"
        for i in _ids(world_app, select(Evaluation.id).order_by(Evaluation.id).limit(40))
    ]
    urls += [
        "/funding-decisions?status=all",
        "/allocations",
        "/dashboard",
        "/dashboard/alerts",
        "/projects",
    ]
    offenders = {
        url: SCIENTIFIC.findall(readable(html)) or ["E+"]
        for url, html in _crawl(client, urls).items()
        if SCIENTIFIC.search(readable(html)) or "E+" in readable(html)
    }
    assert not offenders, offenders
    # The unit's ready tasks (monitoring reports show their targets).
    unit = login("unit")
    tasks = _ids(
        world_app,
        select(HumanTask.id).where(HumanTask.status == "ready").order_by(HumanTask.id),
    )
    for task_id in tasks:
        response = unit.get(f"/tasks/{task_id}")
        if response.status_code == 200:
            assert_no_scientific_notation(response.text)


def test_a_monitoring_report_writes_its_targets_without_an_exponent(world_app, world, login):
    """Targets are stored with four decimals: Decimal('100.0000').normalize() is 1E+2, and the
    monitoring report's form showed "= 1E+2 %"."""
    from sqlalchemy import select

    from engine.models import FiscalYear, HumanTask, Indicator, Project, TargetTable

    with world_app.extensions["budgetloop.sessions"]() as session:
        # A project of the main unit, still filing, with a target that is a multiple of ten.
        project, target = session.execute(
            select(Project.code, Indicator.target_value)
            .join(TargetTable, TargetTable.project_id == Project.id)
            .join(Indicator, Indicator.target_table_id == TargetTable.id)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(
                Project.unit_id == world["unit"].org_id,
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
                Indicator.target_value >= 10,
            )
            .order_by(Project.id, Indicator.id)
        ).first() or (None, None)
        year = session.scalar(select(FiscalYear.year).join(Project).where(Project.code == project))
    assert project is not None, "the main unit files a project with a target of 10 or more"
    task_id = drive_to_form(
        world_app.extensions["budgetloop.engine"], project, "monitoring_report", year
    )
    with world_app.extensions["budgetloop.sessions"]() as session:
        targets = [
            value
            for value in session.scalars(
                select(Indicator.target_value)
                .join(TargetTable)
                .join(Project)
                .where(Project.code == project, Indicator.target_value.is_not(None))
            )
        ]
    page = login("unit").get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert_no_scientific_notation(page.text)
    for value in targets:
        assert formatting.plain(value) in page.text


# ---- the alert tables -------------------------------------------------------------------


def _expected_pace(session, alert) -> Decimal | None:
    """domain.md: r = execution_rate / (m / 12); p = actual / (target × m / 12) for ≥ targets."""
    from sqlalchemy import select

    from engine.models import Indicator, MonitoringReport, MonitoringRow, MonitoringTask

    months = session.get(MonitoringTask, alert.task_id).months_elapsed
    report = session.get(MonitoringReport, alert.report_id)
    if alert.kind.value == "budget":
        return report.executed_to_date / report.budget / (Decimal(months) / 12)
    if alert.kind.value == "indicator":
        indicator = session.get(Indicator, alert.indicator_id)
        actual = session.scalar(
            select(MonitoringRow.actual_to_date).where(
                MonitoringRow.report_id == report.id,
                MonitoringRow.indicator_id == indicator.id,
            )
        )
        if indicator.operator.value in (">=", ">") and actual is not None:
            return actual / (indicator.target_value * Decimal(months) / 12)
    return None


def test_the_alert_table_shows_progress_against_time_progress(world_app, login):
    """The 序时进度比 column showed the bare execution rate (or nothing, for alerts computed
    set-based), not the execution rate divided by the share of the year gone."""
    from sqlalchemy import select

    from engine.models import Alert, MonitoringTask

    with world_app.extensions["budgetloop.sessions"]() as session:
        alerts = list(
            session.scalars(
                select(Alert)
                .join(MonitoringTask, MonitoringTask.id == Alert.task_id)
                .where(Alert.kind.in_(["budget", "indicator"]), MonitoringTask.months_elapsed < 12)
                .order_by(Alert.id.desc())
                .limit(20)
            )
        )
        expected = {alert.id: _expected_pace(session, alert) for alert in alerts}
    assert any(value is not None for value in expected.values())
    client = login("performance")
    html = client.get("/dashboard/alerts?per_page=200&status=").text
    shown = 0
    for alert_id, value in expected.items():
        row = re.search(rf'<tr id="alert-{alert_id}".*?</tr>', html, flags=re.S)
        if row is None:
            continue
        cells = re.findall(r'<td class="num">(.*?)</td>', row.group(0), flags=re.S)
        assert cells == [formatting.percent(value)], (alert_id, cells, value)
        shown += 1
    assert shown, "the alert table shows some of the year's budget and indicator alerts"


def test_the_alert_response_names_each_alerts_indicator(world_app, world, login):
    from sqlalchemy import select

    from engine.models import Alert, FiscalYear, HumanTask, Indicator, Project

    with world_app.extensions["budgetloop.sessions"]() as session:
        project, year = session.execute(
            select(Project.code, FiscalYear.year)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(
                Project.unit_id == world["unit"].org_id,
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
            )
            .order_by(Project.id)
        ).first()
    # A project far behind: red alerts, and the unit must explain them.
    task_id = drive_to_form(
        world_app.extensions["budgetloop.engine"],
        project,
        "alert_response",
        year,
        performance=lambda _: 0.3,
    )
    with world_app.extensions["budgetloop.sessions"]() as session:
        named = session.execute(
            select(Indicator.name, Alert.colour)
            .join(Alert, Alert.indicator_id == Indicator.id)
            .join(Project, Project.id == Alert.project_id)
            .where(Project.code == project, Alert.colour.in_(["red", "yellow", "blue"]))
        ).all()
    assert named, "a project far behind has indicator alerts"
    page = login("unit").get(f"/tasks/{task_id}")
    assert page.status_code == 200
    table = re.search(r'<table class="alert-brief">.*?</table>', page.text, flags=re.S).group(0)
    for name, _colour in named:
        assert f'<td class="alert-subject">{name}</td>' in table
    assert "预算执行率" in table
    assert_no_scientific_notation(page.text)


# ---- one set of status words ------------------------------------------------------------

# Every catalogue key that names a state, by the kind of thing whose state it is. The words
# are those of web/messages/common.json `status.<kind>.<state>`; pages that still use an
# area's own key must show the same words (the project page said 已解除 for an alert the
# dashboard called 已办结, and the dashboard 已认可 for an order its page called 已通过).
STATE_KEYS = {
    "alert": ("alert.status.", "projects.alert_status."),
    "order": ("rectification.status.", "projects.rectification_status.", "dash.overdue.status."),
    "document": ("targets.status.",),
    "decision": ("decision.status.", "projects.decision_status."),
    "task": ("task.status.",),
}


def test_every_page_names_a_state_with_the_same_words():
    from engine.models.enums import AlertStatus, DecisionStatus, DocumentStatus
    from engine.models.enums import RectificationStatus as OrderStatus
    from web.i18n import catalogue

    words = catalogue()
    states = {
        "alert": [s.value for s in AlertStatus],
        "order": [s.value for s in OrderStatus],
        "document": [s.value for s in DocumentStatus],
        "decision": [s.value for s in DecisionStatus],
        "task": ["ready", "completed", "cancelled"],
    }
    for kind, values in states.items():
        for value in values:
            canonical = words[f"status.{kind}.{value}"]
            for prefix in STATE_KEYS[kind]:
                if prefix + value in words:
                    assert words[prefix + value] == canonical, (prefix + value, canonical)


ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")
SKIP = re.compile(r"(logout|\.xlsx|/static/|/api/|lang=|download|/content)")


def _links(html: str) -> list[str]:
    return [
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/[^"#]*)"', html)
        if not SKIP.search(href)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_a_role_reaches_from_home_writes_an_exponent(world_app, login, role):
    """Every page linked from the role's home, and every page those link to (two levels, at
    most 80 pages): no scientific notation anywhere."""
    client = login(role)
    seen: set[str] = set()
    frontier = ["/"]
    for _depth in range(3):
        following = []
        for url in frontier:
            if url in seen or len(seen) >= 80:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            if response.mimetype != "text/html":
                continue
            assert_no_scientific_notation(response.text)
            following += _links(response.text)
        frontier = list(dict.fromkeys(following))
    assert len(seen) > 3
