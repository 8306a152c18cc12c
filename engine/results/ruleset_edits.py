"""Editing result-application rule sets from the API and the pages: a new version (validated,
nothing stored when invalid) and a what-if over a year's decisions (nothing stored at all)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidInput, NotFound
from engine.identity.access import project_scope, sees_everything
from engine.identity.permissions import Permission, require
from engine.models import FiscalYear, FundingDecision, Project, Region
from engine.models import RuleSet as RuleSetRow
from engine.results import rulesets, whatif
from rules import RulesError, RuleSet, RuleSetInvalid, parse_ruleset
from rules.validate import max_rules

RULE_PATH = re.compile(r"^rules\[(\d+)\]")
MAX_BODY = 200_000


def describe_problems(source: Any, error: RuleSetInvalid) -> list[dict]:
    """Each problem with the rule it is in (by name when the rule has one) and the field."""
    rules = source.get("rules") if isinstance(source, Mapping) else None
    described = []
    for problem in error.problems:
        rule = None
        match = RULE_PATH.match(problem.path)
        if match:
            index = int(match.group(1))
            rule = f"#{index + 1}"
            if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
                name = rules[index].get("name")
                if isinstance(name, str) and name:
                    rule = name
        field = re.split(r"[.\[]", problem.path)[-1].rstrip("]") or "$"
        described.append(
            {"path": problem.path, "rule": rule, "field": field, "message": problem.message}
        )
    return described


def invalid(source: Any, error: RuleSetInvalid) -> InvalidInput:
    problems = describe_problems(source, error)
    first = problems[0]
    where = f"rule '{first['rule']}', field '{first['field']}'" if first["rule"] else first["path"]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return InvalidInput(
        f"the rule set is invalid: {where}: {first['message']}{more}",
        errors={"problems": problems},
    )


def decode(text: str) -> Any:
    """A rule set typed into the editor: JSON text, problems reported like any other."""
    if len(text) > MAX_BODY:
        raise InvalidInput("the rule set is too long", errors={"body": "too long"})
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError as error:
        raise InvalidInput(
            f"the rule set is not valid JSON: {error}",
            errors={"problems": [{"path": "$", "rule": None, "field": "$", "message": str(error)}]},
        ) from None


def _bounded(source: Any) -> None:
    """Refuse a rule set with more rules than the configured maximum before parsing it."""
    rules = source.get("rules") if isinstance(source, Mapping) else None
    if isinstance(rules, list) and len(rules) > max_rules():
        message = f"too many rules: {len(rules)} (at most {max_rules()})"
        raise InvalidInput(
            f"the rule set is invalid: {message}",
            errors={
                "problems": [{"path": "rules", "rule": None, "field": "rules", "message": message}]
            },
            key="ruleset_too_many_rules",
            params={"count": len(rules), "limit": max_rules()},
        )


def _candidate(source: Any) -> RuleSet:
    _bounded(source)
    if isinstance(source, Mapping):
        # The store numbers versions itself: a draft need not carry one.
        source = {**source, "version": source.get("version", 1)}
    try:
        return parse_ruleset(source)
    except RuleSetInvalid as error:
        raise invalid(source, error) from None
    except (TypeError, ValueError) as error:  # a decoded body that is not JSON data
        raise InvalidInput(
            f"the rule set is not JSON data: {error}", errors={"body": "invalid"}
        ) from None


def _region(session: Session, code: str) -> str:
    if session.get(Region, code) is None:
        raise InvalidInput(f"no region {code!r}", errors={"region": "unknown"})
    return code


def create_version(
    session: Session, actor: Actor, source: Any, *, region: str, year: int
) -> RuleSetRow:
    """Store `source` as the next version for (region, year); InvalidInput names rule and field."""
    require(actor, Permission.WRITE_RULESETS, "writing rule sets")
    candidate = _candidate(source)
    row = rulesets.store(
        session,
        json.loads(candidate.to_json()),
        region_code=_region(session, region),
        year=year,
        actor=actor.name,
    )
    row.created_by_id = actor.user_id
    session.flush()
    return row


def simulate(session: Session, actor: Actor, source: Any, *, region: str, year: int):
    """What `source` would change in `year`'s decisions the caller may see; writes nothing."""
    require(actor, Permission.SIMULATE_RULESETS, "simulating a rule set")
    candidate = _candidate(source)
    try:
        result = whatif.simulate(session, candidate, _region(session, region), year)
    except NotFound as error:
        raise InvalidInput(error.message, errors={"year": "no such fiscal year"}) from None
    except RulesError as error:  # valid JSON the rules engine still could not run
        raise InvalidInput(
            f"the candidate rule set could not be evaluated: {error}", errors={"body": "failed"}
        ) from None
    if sees_everything(actor):
        return result
    codes = {change.project_code for change in result.changes}
    visible = set(
        session.scalars(select(Project.code).where(Project.code.in_(codes), project_scope(actor)))
    )
    result.changes = [change for change in result.changes if change.project_code in visible]
    result.decisions = session.scalar(
        select(func.count(func.distinct(FundingDecision.project_id)))
        .join(Project, Project.id == FundingDecision.project_id)
        .join(FiscalYear, FiscalYear.id == FundingDecision.fiscal_year_id)
        .where(FiscalYear.region_code == region, FiscalYear.year == year, project_scope(actor))
    )
    deltas: dict[str, Decimal] = defaultdict(Decimal)
    for change in result.changes:
        deltas[change.department] += change.delta
    result.delta_by_department = dict(sorted(deltas.items(), key=lambda item: item[1]))
    return result
