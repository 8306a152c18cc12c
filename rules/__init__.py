"""The rules layer: rule sets as JSON, evaluated on durable_rules."""

# The process's host is `rules.host.host()`; it is not re-exported so `rules.host` stays the module.

from rules.errors import (
    EngineFailure,
    FactsInvalid,
    Problem,
    RuleActionFailed,
    RulesError,
    RuleSetConflict,
    RuleSetInvalid,
    RuleSetUnknown,
)
from rules.host import RulesHost
from rules.model import Action, DecisionKind, Facts, RuleDecision
from rules.ruleset import RuleSet
from rules.validate import default_ruleset, parse_ruleset

__all__ = [
    "Action",
    "DecisionKind",
    "EngineFailure",
    "Facts",
    "FactsInvalid",
    "Problem",
    "RuleActionFailed",
    "RuleDecision",
    "RuleSet",
    "RuleSetConflict",
    "RuleSetInvalid",
    "RuleSetUnknown",
    "RulesError",
    "RulesHost",
    "default_ruleset",
    "parse_ruleset",
]
