"""Rule sets of a chosen size, for the bounds tests (each rule a distinct, valid test)."""

from __future__ import annotations


def many_rules(count: int, name: str = "big") -> dict:
    """A valid rule set of `count` one-fact rules on the execution rate."""
    rules = [
        {
            "name": f"rate_{index}",
            "pri": index,
            "when": {"all": [{"fact": "outcome", "execution_rate": {"gt": (index % 100) / 100}}]},
            "then": {"decide": {"kind": "maintain"}},
        }
        for index in range(count)
    ]
    return {"format": 1, "name": name, "version": 1, "rules": rules}
