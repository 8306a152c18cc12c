"""Alert rule families: the registry, and which family a monitoring round uses with its settings.

A family is one `AlertFamily`: its name (what the region's `alerts` policy setting names under
"family", and the key of that family's thresholds in the same setting), its per-report rule
(what the monitoring process raises for one report) and its set-based round (what
`budgetloop alerts compute` raises for a whole round). The area's `register` (engine/monitoring)
adds the shipped families when the composition root runs; nothing registers on import. Both
paths ask `family_of` here, so the two can never use different rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sqlalchemy.orm import Session

from engine import policy
from engine.errors import InvalidInput
from engine.models import FiscalYear, Indicator, MonitoringReport, MonitoringRow, MonitoringTask
from engine.models.enums import Colour


@dataclass
class ReportColours:
    """A report's colours: its budget, each indicator the family judges, the project."""

    family: str
    budget: Colour
    project: Colour
    indicators: dict[int, Colour] = field(default_factory=dict)


# (report, its (row, indicator) pairs, months elapsed, the family's settings) → colours
PerReport = Callable[
    [MonitoringReport, list[tuple[MonitoringRow, Indicator]], int, dict], ReportColours
]
# (session, round, the family's settings, now) → how many reports were alerted
SetBased = Callable[[Session, MonitoringTask, dict, datetime], int]


@dataclass(frozen=True)
class AlertFamily:
    """One rule family: the same rules for one report and for a whole round."""

    name: str
    per_report: PerReport
    set_based: SetBased


_FAMILIES: dict[str, AlertFamily] = {}


def register_family(family: AlertFamily) -> None:
    """Offer `family` to every region whose `alerts` setting names it.

    Registering the same family again is harmless (the composition root runs once per engine
    built); another family under a name already taken is a programming error.
    """
    known = _FAMILIES.get(family.name)
    if known is not None and known != family:
        raise RuntimeError(f"alert family '{family.name}' is registered twice")
    _FAMILIES[family.name] = family


def unregister_family(name: str) -> None:
    """Withdraw a family (for tests that register a toy one)."""
    _FAMILIES.pop(name, None)


def registered_families() -> MappingProxyType[str, AlertFamily]:
    """The registered families by name (read-only)."""
    return MappingProxyType(_FAMILIES)


def alert_settings(session: Session, task: MonitoringTask) -> dict:
    """The `alerts` setting in force for the round's region and year."""
    year = session.get(FiscalYear, task.fiscal_year_id)
    return policy.setting(session, "alerts", year.region_code, year.year)


def family_of(settings: dict, requested: str | None = None) -> AlertFamily:
    """The family asked for, else the configured one (pace when none is configured)."""
    name = requested or settings.get("family", "pace")
    if name not in _FAMILIES or name not in settings:
        offered = ", ".join(n for n in _FAMILIES if n in settings)
        raise InvalidInput(
            f"unknown alert rule family {name!r}: the alerts setting offers {offered}",
            errors={"family": "unknown"},
        )
    return _FAMILIES[name]
