"""What the alert tests share: the families registered, and a region configured for one."""

from __future__ import annotations

import pytest

from engine.composition import register_areas
from engine.models import PolicySetting


# Imported by each alert test module, so that it is autouse in each of them.
@pytest.fixture(autouse=True, scope="module")
def _families():
    """The alert families, registered as the composition root registers them."""
    register_areas()


def _use_family(session, year, family: str) -> None:
    """Configure the year's region to raise alerts by `family` (a region-level setting)."""
    from engine.policy import setting

    settings = setting(session, "alerts", year.region_code, year.year)
    session.add(
        PolicySetting(
            key="alerts",
            region_code=year.region_code,
            body={"value": {**settings, "family": family}},
        )
    )
    session.flush()
