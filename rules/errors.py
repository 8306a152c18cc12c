"""The rules layer's exceptions: one root, small leaves."""

from __future__ import annotations

from dataclasses import dataclass


class RulesError(Exception):
    """Something in the rules layer went wrong."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule set, at a JSON path such as `rules[3].when.all[1].grade`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleSetInvalid(RulesError):
    """A rule set failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"invalid rule set ({len(self.problems)} problem(s)):\n{lines}")


class RuleSetConflict(RulesError):
    """A rule set reference is already registered with different content."""


class RuleSetUnknown(RulesError):
    """No rule set is registered under that reference."""


class FactsInvalid(RulesError):
    """Facts of the wrong type or out of range were given for evaluation."""


class RuleActionFailed(RulesError):
    """The action of a rule that fired raised: the evaluation made no decision."""


class EngineFailure(RulesError):
    """durable_rules failed in a way a restart of the host did not cure."""
