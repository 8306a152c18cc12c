"""From text to a checked tree, once: the text limits, the parse, the whitelist, the cache.

Limits on the text itself (length, bracket depth, statement and node counts) are applied
before and right after parsing, so the checker never walks a tree too large to walk. A
checked tree is cached by its source text: definitions evaluate the same few conditions on
every step, and the check is the expensive part.
"""

from __future__ import annotations

import ast
import functools
import io
import textwrap
import tokenize
import warnings
from typing import Any, NamedTuple

from bpmn.errors import Reason, UnsafeExpression
from bpmn.expressions.bounds import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_NODES,
    MAX_SCRIPT_LENGTH,
    MAX_STATEMENTS,
    TOO_DEEP,
)
from bpmn.expressions.checker import Checker

# Tags rather than parts of an expression: every Name carries a Load, every BinOp an operator.
_TAGS = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def _bracket_depth(text: str) -> int:
    """Measure how deeply brackets nest in `text`, stopping once past MAX_DEPTH."""
    # Parentheses leave no trace in the tree, so ((((1)))) has to be measured on the tokens.
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.OP:
                continue
            if token.string in ("(", "[", "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_DEPTH:
                    break
            elif token.string in (")", "]", "}"):
                depth -= 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # ast.parse reports the syntax error with a better message
    return deepest


def _parse(text: str, source: str, script: bool) -> ast.AST:
    """Parse `text` as a script or an expression; refuse it if it does not parse."""
    what = "script" if script else "expression"
    try:
        # Ignored so that '\d' means what Python means by it however warnings are configured;
        # the filter change is brief and happens only on a cache miss.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="exec" if script else "eval")
    except SyntaxError as error:
        if not script and _is_statement(text):
            reason = Reason(
                "this is a statement, not an expression; write one expression like a > 1",
                "statement_not_expression",
            )
        else:
            where = f" (line {error.lineno}, column {error.offset})" if error.offset else ""
            reason = Reason(
                f"not a valid {what}: {error.msg}{where}",
                "syntax" if error.offset else "syntax_nowhere",
                line=error.lineno,
                column=error.offset,
            )
        raise UnsafeExpression(reason, source) from None
    except (RecursionError, MemoryError):
        raise UnsafeExpression(TOO_DEEP, source) from None
    except ValueError as error:
        raise UnsafeExpression(
            Reason(f"not a valid {what}: {error}", "invalid_text"), source
        ) from None


def _is_statement(text: str) -> bool:
    """Tell whether `text` parses as statements (so it is not an expression by mistake)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except Exception:
        return False
    return True


class Checked(NamedTuple):
    """A tree that passed the check, with the text it was parsed from."""

    tree: Any  # ast.Expression for an expression, ast.Module for a script
    text: str


@functools.lru_cache(maxsize=4096)
def checked(source: str, script: bool) -> Checked:
    """Parse and check `source` once; raise UnsafeExpression unless it fits the grammar."""
    what, limit = ("script", MAX_SCRIPT_LENGTH) if script else ("expression", MAX_EXPRESSION_LENGTH)
    # Definitions come out of XML with surrounding newlines and indentation.
    text = textwrap.dedent(source).strip() if script else source.strip()
    if len(text) > limit:
        raise UnsafeExpression(
            Reason(
                f"{what} too long ({len(text):,} characters; at most {limit:,})",
                "text_too_long",
                length=f"{len(text):,}",
                max=f"{limit:,}",
            ),
            source,
        )
    if not text and not script:
        raise UnsafeExpression(Reason("the expression is empty", "empty"), source)
    if _bracket_depth(text) > MAX_DEPTH:
        raise UnsafeExpression(TOO_DEEP, source)
    tree = _parse(text, source, script)
    if isinstance(tree, ast.Module) and len(tree.body) > MAX_STATEMENTS:
        raise UnsafeExpression(
            Reason(
                f"too many statements ({len(tree.body)}; at most {MAX_STATEMENTS})",
                "too_many_statements",
                count=len(tree.body),
                max=MAX_STATEMENTS,
            ),
            source,
        )
    nodes = sum(1 for node in ast.walk(tree) if not isinstance(node, _TAGS))
    if nodes > MAX_NODES:
        raise UnsafeExpression(
            Reason(
                f"{what} too complex ({nodes:,} parts; at most {MAX_NODES})",
                "too_complex",
                parts=f"{nodes:,}",
                max=MAX_NODES,
            ),
            source,
        )
    checker = Checker(source, text)
    try:
        if isinstance(tree, ast.Module):
            checker.script(tree)
        else:
            checker.expression(tree.body, 1)
    except RecursionError:
        raise UnsafeExpression(TOO_DEEP, source) from None
    return Checked(tree, text)


def require_text(source: Any) -> str:
    """Refuse anything but a str before it reaches the cache."""
    if not isinstance(source, str):
        raise UnsafeExpression(
            Reason(
                f"expressions and scripts must be text, not {type(source).__name__}",
                "not_text",
                kind=type(source).__name__,
            )
        )
    return source
