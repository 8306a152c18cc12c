"""Combine the rules that fired into one decision, the same way every time.

Rows of the policy table combine; they do not replace each other (domain.md, "Decisions on
cases the table leaves open"):

1. Every decide rule that fired is a row with a next-year effect. The strongest effect wins:
   cancel > suspend > cut (the lower factor the stronger) > review > maintain > increase (the
   lower factor the stronger); between equally strong rows, the lower `pri` (then the earlier
   in the file). Every action any of them calls for is kept (in `pri` order, without repeats),
   and the decision needs review if any of them asks for it.
2. Every adjust rule that fired then applies in `pri` order, if its guard holds for the decision
   so far: it may set the kind and the factor, add actions, ask for review, and reclaim this
   year's unspent balance. One whose guard fails is not listed.
3. If no decide rule fired, the decision so far is `review` at factor 1; adjust rules still
   apply (idle funds are reclaimed whatever the grade). A `review` kind always needs review.

`fired` lists the decide rule whose effect won, the other decide rules that fired (in `pri`
order), then the adjust rules that applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rules.model import Action, DecisionKind, Facts, RuleDecision
from rules.ruleset import Adjust, Decide, RuleSet

# Lower is stronger. `reclaim` is no next-year effect (a stored rule set cannot decide it).
STRENGTH = {
    DecisionKind.CANCEL: 0,
    DecisionKind.SUSPEND: 1,
    DecisionKind.CUT: 2,
    DecisionKind.REVIEW: 3,
    DecisionKind.RECLAIM: 3,
    DecisionKind.MAINTAIN: 4,
    DecisionKind.INCREASE: 5,
}


def strength(kind: DecisionKind, factor: Decimal) -> tuple[int, Decimal]:
    """The sort key of a next-year effect: the smallest is the strongest."""
    return STRENGTH[kind], factor


def combine(ruleset: RuleSet, fired: Iterable[int], facts: Facts) -> RuleDecision:
    """Turn the indexes of the rules that fired into one RuleDecision."""
    rules = ruleset.rules
    order = sorted(set(fired), key=lambda index: (rules[index].pri, index))
    decides = [index for index in order if isinstance(rules[index].then, Decide)]
    kind, factor, review = DecisionKind.REVIEW, Decimal(1), False
    actions: list[Action] = []
    names: list[str] = []
    if decides:
        # min keeps the first of equally strong rows, and `decides` is in pri order.
        winner = min(
            decides, key=lambda index: strength(rules[index].then.kind, rules[index].then.factor)
        )
        effect = rules[winner].then
        kind, factor = effect.kind, effect.factor
        names = [rules[winner].name] + [rules[i].name for i in decides if i != winner]
        for index in decides:
            row = rules[index].then
            actions.extend(action for action in row.actions if action not in actions)
            review = review or row.review
    reclaim = False
    for index in order:
        adjust = rules[index].then
        if not isinstance(adjust, Adjust) or not _guard_holds(adjust, kind, factor):
            continue
        kind = adjust.kind or kind
        factor = adjust.factor if adjust.factor is not None else factor
        actions.extend(action for action in adjust.actions if action not in actions)
        review = review or adjust.review
        reclaim = reclaim or adjust.reclaim
        names.append(rules[index].name)
    review = review or kind is DecisionKind.REVIEW
    return RuleDecision(
        kind,
        factor,
        tuple(actions),
        tuple(names),
        review,
        ruleset.ref,
        facts.to_dict(),
        reclaim,
    )


def _guard_holds(adjust: Adjust, kind: DecisionKind, factor: Decimal) -> bool:
    if adjust.kind_in is not None and kind not in adjust.kind_in:
        return False
    return adjust.factor_below is None or factor < adjust.factor_below
