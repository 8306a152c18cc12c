"""Check and evaluate the safe expression and script grammar that definitions are written in.

The four public functions are here; each part of the grammar lives in its own module:

- bounds: the size limits, shared by the deploy-time check and the run-time evaluation;
- functions: the only functions an expression may call;
- operators: what each operator means, with the guards that keep results small;
- describe: how values and source fragments appear in error messages;
- checker: the whitelist walk over a parsed tree (refuses, and folds literal arithmetic);
- parsing: text limits, parse, check, and the cache of checked trees;
- evaluator: running a checked tree against task data.

The modules import downwards only (parsing → checker → operators/functions → describe →
bounds; evaluator beside the checker), a layering lint-imports enforces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn.errors import ExpressionFailed, UnsafeExpression
from bpmn.expressions.evaluator import Evaluator, stray
from bpmn.expressions.parsing import checked, require_text

__all__ = ["check_expression", "check_script", "evaluate", "execute"]


def check_expression(source: str) -> None:
    """Raise UnsafeExpression unless `source` is one expression inside the safe grammar."""
    checked(require_text(source), False)


def check_script(source: str) -> None:
    """Raise UnsafeExpression unless `source` is a script of safe assignments."""
    checked(require_text(source), True)


def evaluate(source: str, names: Mapping[str, Any]) -> Any:
    """Check `source` as one safe expression, then evaluate it against `names`."""
    parsed = checked(require_text(source), False)
    try:
        return Evaluator(parsed.text, names).value_of(parsed.tree.body)
    except (ExpressionFailed, UnsafeExpression):
        raise
    except Exception as error:
        # Task data may hold values whose own methods raise anything; callers see one type.
        raise stray(error, parsed.text) from error


def execute(source: str, data: dict[str, Any]) -> None:
    """Check `source` as a safe script, then run its assignments in order, writing into `data`."""
    parsed = checked(require_text(source), True)
    evaluator = Evaluator(parsed.text, data)
    # Like Python, statements before a failing one have already written into `data`.
    try:
        for statement in parsed.tree.body:
            evaluator.run(statement)
    except (ExpressionFailed, UnsafeExpression):
        raise
    except Exception as error:
        raise stray(error, parsed.text) from error
