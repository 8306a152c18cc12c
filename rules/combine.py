"""Combine the rules that fired into one decision, the same way every time."""

# 1. The decide rule with the lowest `pri` (ties: the earlier in the file) makes the decision.
# 2. Every adjust rule that fired then applies in `pri` order, if its guard holds for the
#    decision so far: it may set the kind and the factor, add actions (after those already
#    there, without repeats) and ask for review.  One whose guard fails is not listed.
# 3. If no decide rule fired, the decision is `review` at factor 1, flagged for a person, with
#    nothing fired; adjust rules do not apply to it.
# A `review` kind always needs review.

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rules.model import Action, DecisionKind, Facts, RuleDecision
from rules.ruleset import Adjust, Decide, RuleSet


def combine(ruleset: RuleSet, fired: Iterable[int], facts: Facts) -> RuleDecision:
    """Turn the indexes of the rules that fired into one RuleDecision."""
    rules = ruleset.rules
    order = sorted(set(fired), key=lambda index: (rules[index].pri, index))
    decide = next((index for index in order if isinstance(rules[index].then, Decide)), None)
    if decide is None:
        return RuleDecision(
            DecisionKind.REVIEW, Decimal(1), (), (), True, ruleset.ref, facts.to_dict()
        )
    effect = rules[decide].then  # a Decide: picked as one above
    kind, factor, review = effect.kind, effect.factor, effect.review
    actions: list[Action] = list(effect.actions)
    names = [rules[decide].name]
    for index in order:
        adjust = rules[index].then
        if not isinstance(adjust, Adjust) or not _guard_holds(adjust, kind, factor):
            continue
        kind = adjust.kind or kind
        factor = adjust.factor if adjust.factor is not None else factor
        actions.extend(action for action in adjust.actions if action not in actions)
        review = review or adjust.review
        names.append(rules[index].name)
    review = review or kind is DecisionKind.REVIEW
    return RuleDecision(
        kind, factor, tuple(actions), tuple(names), review, ruleset.ref, facts.to_dict()
    )


def _guard_holds(adjust: Adjust, kind: DecisionKind, factor: Decimal) -> bool:
    if adjust.kind_in is not None and kind not in adjust.kind_in:
        return False
    return adjust.factor_below is None or factor < adjust.factor_below
