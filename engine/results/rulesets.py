"""Result-application rule sets as immutable versions per region and year."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.db import insert_once
from engine.errors import InvalidInput
from engine.models import RuleSet as RuleSetRow
from rules import Facts, RuleSet, RuleSetInvalid, default_ruleset, parse_ruleset
from rules.host import host

_parsed: dict[str, RuleSet] = {}
_lock = threading.Lock()


def problems_text(error: RuleSetInvalid) -> str:
    """Every problem of an invalid rule set on one line: `path: message; …`."""
    return "; ".join(f"{p.path}: {p.message}" for p in error.problems)


_problems = problems_text


def _versioned(source, version: int, region_code: str, year: int) -> RuleSet:
    """Parse `source` as version `version` of its rule set for (region, year)."""
    try:
        draft = parse_ruleset(source)
    except RuleSetInvalid as error:
        raise InvalidInput(
            f"the rule set is invalid: {_problems(error)}",
            errors={"problems": [{"path": p.path, "message": p.message} for p in error.problems]},
        ) from None
    body = json.loads(draft.to_json())
    body.update(version=version, region=region_code, year=year)
    return parse_ruleset(body)


def compiled(ruleset: RuleSet) -> None:
    """Refuse a rule set that durable_rules cannot compile (InvalidInput naming the reason)."""
    try:
        host().check(ruleset)
    except RuleSetInvalid as error:
        raise InvalidInput(
            f"the rule set is invalid: {_problems(error)}",
            errors={"problems": [{"path": p.path, "message": p.message} for p in error.problems]},
            key="ruleset_not_compiled",
            params={"reason": _problems(error)},
        ) from None


def store(session: Session, source, *, region_code: str, year: int, actor: str) -> RuleSetRow:
    """Validate a rule set and store it as the next version for (region, year)."""
    probe = _versioned(source, 1, region_code, year)
    latest = session.scalar(
        select(func.max(RuleSetRow.version)).where(
            RuleSetRow.region_code == region_code,
            RuleSetRow.fiscal_year == year,
            RuleSetRow.name == probe.name,
        )
    )
    ruleset = _versioned(source, (latest or 0) + 1, region_code, year)
    compiled(ruleset)  # before anything is stored: every decision of the year would fail
    row = RuleSetRow(
        region_code=region_code,
        fiscal_year=year,
        name=ruleset.name,
        version=ruleset.version,
        body=json.loads(ruleset.to_json()),
        sha256=ruleset.sha256,
    )
    session.add(row)
    session.flush()
    _audit_stored(session, actor, row, ruleset)
    return row


def _audit_stored(session: Session, actor: str, row: RuleSetRow, ruleset: RuleSet) -> None:
    audit.append(
        session,
        actor=actor,
        action="ruleset.store",
        object_type="rule_set",
        object_id=row.id,
        payload={"ref": ruleset.ref, "sha256": ruleset.sha256},
    )


def load(row: RuleSetRow) -> RuleSet:
    """The parsed rule set of a stored version (parsed once per process)."""
    with _lock:
        if row.sha256 not in _parsed:
            _parsed[row.sha256] = parse_ruleset(row.body)
        return _parsed[row.sha256]


def active(session: Session, region_code: str, year: int) -> tuple[RuleSetRow, RuleSet]:
    """The newest version for (region, year); the shipped default becomes version 1 if none."""
    newest = (
        select(RuleSetRow)
        .where(RuleSetRow.region_code == region_code, RuleSetRow.fiscal_year == year)
        .order_by(RuleSetRow.version.desc())
        .limit(1)
    )
    row = session.scalars(newest).first()
    if row is None:
        row = _store_default(session, region_code, year)
    return row, load(row)


def _store_default(session: Session, region_code: str, year: int) -> RuleSetRow:
    """Version 1 from the shipped default, once: the year's first decisions may be made by
    several workers at the same moment, and one row gets in (the others read it)."""
    ruleset = _versioned(json.loads(default_ruleset().to_json()), 1, region_code, year)
    values = {
        "region_code": region_code,
        "fiscal_year": year,
        "name": ruleset.name,
        "version": 1,
        "body": json.loads(ruleset.to_json()),
        "sha256": ruleset.sha256,
    }
    inserted = insert_once(
        session, RuleSetRow, values, ["region_code", "fiscal_year", "name", "version"]
    )
    row = session.scalars(
        select(RuleSetRow).where(
            RuleSetRow.region_code == region_code,
            RuleSetRow.fiscal_year == year,
            RuleSetRow.name == ruleset.name,
            RuleSetRow.version == 1,
        )
    ).one()
    if inserted:
        _audit_stored(session, "system", row, ruleset)
    return row


def facts_from(stored: dict) -> Facts:
    """Facts back from what a decision recorded."""
    values = dict(stored)
    rate = values.get("execution_rate")
    values["execution_rate"] = Decimal(rate) if rate is not None else None
    return Facts(**values)
