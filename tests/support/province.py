"""The demo province at work (engine/demo/province_at_work.py), as `budgetloop demo` leaves it
but smaller: run once per backend when first asked for, copied per test."""

from __future__ import annotations

from engine.db import create_db_engine, session_factory
from engine.demo.province_at_work import ProvinceAtWork, run_province_demo
from tests.support.shared import Shared

YEAR, PROJECTS, SEED, UNITS = 2026, 60, 3, 64


class DemoProvince:
    """`at_work` is what the demo reported; `fresh()` is a new database with what it left.

    Run once per run and backend (`name`) by whichever process asks first (`shared`)."""

    def __init__(self, shared: Shared, name: str, templates) -> None:
        self.templates = templates
        self.url, self.at_work = shared.once(f"{name}-demo-province", lambda: _run(templates))

    def fresh(self) -> str:
        return self.templates.copy(self.url)


def _run(templates) -> tuple[str, ProvinceAtWork]:
    url = templates.fresh(empty=True)
    engine = create_db_engine(url)
    try:
        at_work = run_province_demo(
            engine, session_factory(engine), year=YEAR, projects=PROJECTS, seed=SEED, units=UNITS
        )
    finally:
        engine.dispose()
    return url, at_work
