"""Reference data the product ships: indicator frames, indicator library, policy defaults,
national working calendars."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import calendar_file
from engine.models import FrameNode, IndicatorFrame, IndicatorLibraryItem, PolicySetting
from engine.models.enums import Basis, Operator


@cache
def load_data(name: str) -> dict:
    """A JSON document shipped in `engine/data`."""
    return json.loads(resources.files("engine.data").joinpath(name).read_text(encoding="utf-8"))


def install(session: Session) -> dict[str, int]:
    """Add whatever shipped defaults are missing; running it again adds nothing."""
    return {
        "frames": _install_frames(session),
        "library_items": _install_library(session),
        "policy_settings": _install_policy(session),
        "calendars": calendar_file.install_shipped(session),
    }


def _install_frames(session: Session) -> int:
    present = set(
        session.scalars(
            select(IndicatorFrame.code).where(
                IndicatorFrame.region_code.is_(None), IndicatorFrame.fiscal_year.is_(None)
            )
        )
    )
    added = 0
    for spec in load_data("frames.json")["frames"]:
        if spec["code"] in present:
            continue
        frame = IndicatorFrame(
            code=spec["code"],
            name=spec["name"],
            description=spec.get("description"),
            total_points=Decimal(spec["total_points"]),
            grade_bands=spec["grade_bands"],
        )
        session.add(frame)
        session.flush()
        for position, node in enumerate(spec["nodes"]):
            _add_node(session, frame, node, None, 1, position)
        added += 1
    return added


def _add_node(session, frame, spec, parent, level, position) -> None:
    def amount(key):
        return Decimal(spec[key]) if key in spec else None

    node = FrameNode(
        frame_id=frame.id,
        parent_id=parent.id if parent else None,
        level=level,
        code=spec["code"],
        name_zh=spec["name_zh"],
        name_en=spec["name_en"],
        weight=amount("weight"),
        weight_min=amount("weight_min"),
        weight_max=amount("weight_max"),
        fixed_item=spec.get("fixed_item"),
        folds_into=spec.get("folds_into"),
        counterpart=spec.get("counterpart"),
        position=position,
    )
    session.add(node)
    session.flush()
    for child_position, child in enumerate(spec.get("children", [])):
        _add_node(session, frame, child, node, level + 1, child_position)


def _install_library(session: Session) -> int:
    present = set(session.scalars(select(IndicatorLibraryItem.code)))
    added = 0
    for functional_class, items in load_data("indicator_library.json")["classes"].items():
        for item in items:
            if item["code"] in present:
                continue
            session.add(
                IndicatorLibraryItem(
                    code=item["code"],
                    functional_class=functional_class,
                    level1=item["level1"],
                    level2=item["level2"],
                    name=item["name"],
                    operator=Operator(item["operator"]),
                    unit_of_measure=item.get("unit", ""),
                    typical_min=_decimal(item.get("typical_min")),
                    typical_max=_decimal(item.get("typical_max")),
                    basis=Basis(item.get("basis", "plan")),
                    note=item.get("note") or item.get("bands_hint"),
                )
            )
            added += 1
    session.flush()
    return added


def _install_policy(session: Session) -> int:
    present = set(
        session.scalars(
            select(PolicySetting.key).where(
                PolicySetting.region_code.is_(None), PolicySetting.fiscal_year.is_(None)
            )
        )
    )
    added = 0
    for key, body in load_data("policy_defaults.json").items():
        if key not in present:
            session.add(PolicySetting(key=key, body={"value": body}))
            added += 1
    session.flush()
    return added


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))
