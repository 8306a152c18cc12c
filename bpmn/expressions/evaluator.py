"""Evaluate a checked tree against task data; every failure becomes ExpressionFailed.

The evaluator trusts the checker for the shape of the tree (only whitelisted nodes, calls by
bare name) and guards what the checker cannot know: the values in task data. Each failure is
reported with the fragment of source it happened in, so a finance officer can find it.
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from bpmn.errors import ExpressionFailed
from bpmn.expressions.bounds import MAX_ITEMS, TOO_LONG, limited, size
from bpmn.expressions.describe import kind, short, show
from bpmn.expressions.functions import ALLOWED_FUNCTIONS
from bpmn.expressions.operators import (
    COMPARISONS,
    CONTAINERS,
    ORDERING,
    SYMBOLS,
    UNARY,
    arithmetic,
    coerce,
)

_MISSING = object()


class Evaluator:
    """Evaluate a checked tree against `names`; failures become ExpressionFailed with context."""

    __slots__ = ("names", "text")

    def __init__(self, text: str, names: Mapping[str, Any]) -> None:
        self.text = text
        self.names = names

    def where(self, node: ast.AST) -> str:
        """Quote the part of the source that `node` was parsed from."""
        return short(ast.get_source_segment(self.text, node) or "…")

    def value_of(self, node: ast.AST) -> Any:
        """Evaluate one expression node."""
        return _EVALUATORS[type(node)](self, node)

    def constant(self, node: ast.Constant) -> Any:
        """Return a literal."""
        return node.value

    def name(self, node: ast.Name) -> Any:
        """Look a name up in the names, then among the allowed functions."""
        value = self.names.get(node.id, _MISSING)
        if value is _MISSING:
            value = ALLOWED_FUNCTIONS.get(node.id, _MISSING)
            if value is _MISSING:
                raise ExpressionFailed(f"unknown name '{node.id}'")
        return value

    def make_list(self, node: ast.List) -> Any:
        """Build a list display."""
        return self.built(node, [self.value_of(element) for element in node.elts])

    def make_tuple(self, node: ast.Tuple) -> Any:
        """Build a tuple display."""
        return self.built(node, tuple(self.value_of(element) for element in node.elts))

    def make_set(self, node: ast.Set) -> Any:
        """Build a set display."""
        items = [self.value_of(element) for element in node.elts]
        try:
            return self.built(node, set(items))
        except TypeError as error:
            raise ExpressionFailed(f"cannot build '{self.where(node)}': {error}") from error

    def make_dict(self, node: ast.Dict) -> Any:
        """Build a dict display."""
        result = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            key = self.value_of(key_node)
            value = self.value_of(value_node)
            try:
                result[key] = value
            except TypeError as error:
                raise ExpressionFailed(f"cannot build '{self.where(node)}': {error}") from error
        return self.built(node, result)

    def built(self, node: ast.AST, value: Any) -> Any:
        """Refuse a new list, tuple, set or dict that holds too much."""
        # In a script, a = [a, a] repeated would double a shared structure fifty times.
        if size(value) > MAX_ITEMS:
            raise ExpressionFailed(f"{TOO_LONG} in '{self.where(node)}'")
        return value

    def binop(self, node: ast.BinOp) -> Any:
        """Evaluate both sides, then the operator."""
        left = self.value_of(node.left)
        right = self.value_of(node.right)
        return self.apply(node, type(node.op), left, right)

    def apply(self, node: ast.AST, op: type[ast.operator], left: Any, right: Any) -> Any:
        """Apply an arithmetic operator for `node`, explaining any failure."""
        try:
            return arithmetic(op, left, right)
        except ExpressionFailed as error:
            raise ExpressionFailed(f"{error} in '{self.where(node)}'") from None
        except ZeroDivisionError as error:
            raise ExpressionFailed(f"division by zero in '{self.where(node)}'") from error
        except TypeError as error:
            symbol = SYMBOLS[op]
            raise ExpressionFailed(
                f"cannot use '{symbol}' on {kind(left)} and {kind(right)} in '{self.where(node)}'"
            ) from error
        except (OverflowError, decimal.Overflow) as error:
            raise ExpressionFailed(f"number too large in '{self.where(node)}'") from error
        except (ArithmeticError, ValueError) as error:
            raise ExpressionFailed(
                f"cannot calculate '{self.where(node)}' ({type(error).__name__})"
            ) from error

    def unaryop(self, node: ast.UnaryOp) -> Any:
        """Evaluate -x, +x or not x."""
        value = self.value_of(node.operand)
        try:
            return limited(UNARY[type(node.op)](value))
        except TypeError as error:
            symbol = SYMBOLS[type(node.op)]
            raise ExpressionFailed(
                f"cannot use '{symbol}' on {kind(value)} in '{self.where(node)}'"
            ) from error
        except ExpressionFailed as error:
            raise ExpressionFailed(f"{error} in '{self.where(node)}'") from None

    def boolop(self, node: ast.BoolOp) -> Any:
        """Evaluate and / or, short-circuiting."""
        # Python semantics: stop at the deciding operand and return it, not a bool.
        stop_when = not isinstance(node.op, ast.And)
        value = None
        for operand in node.values:
            value = self.value_of(operand)
            if bool(value) is stop_when:
                return value
        return value

    def compare(self, node: ast.Compare) -> Any:
        """Evaluate a possibly chained comparison, short-circuiting."""
        left = self.value_of(node.left)
        result: Any = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.value_of(comparator)
            result = self.compare_pair(node, type(op), left, right)
            if not result:
                return result
            left = right
        return result

    def compare_pair(self, node: ast.AST, op: type[ast.cmpop], left: Any, right: Any) -> Any:
        """Apply one comparison operator, explaining any failure."""
        if op in ORDERING:
            left, right = coerce(left, right)
        try:
            return COMPARISONS[op](left, right)
        except (TypeError, ArithmeticError) as error:
            raise ExpressionFailed(
                f"cannot compare {kind(left)} and {kind(right)} with '{SYMBOLS[op]}'"
                f" in '{self.where(node)}'"
            ) from error

    def ifexp(self, node: ast.IfExp) -> Any:
        """Evaluate a if condition else b."""
        return self.value_of(node.body) if self.value_of(node.test) else self.value_of(node.orelse)

    def subscript(self, node: ast.Subscript) -> Any:
        """Evaluate x[key] or x[a:b]."""
        container = self.value_of(node.value)
        return self.item(node, container, self.key(node.slice))

    def key(self, node: ast.AST) -> Any:
        """Evaluate what goes between [ ]."""
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if part is None else self.value_of(part) for part in parts))
        return self.value_of(node)

    def item(self, node: ast.Subscript, container: Any, key: Any) -> Any:
        """Look `key` up in `container`, explaining any failure."""
        try:
            return container[key]
        except KeyError as error:
            raise ExpressionFailed(f"no key {show(key)} in '{self.where(node.value)}'") from error
        except IndexError as error:
            raise ExpressionFailed(
                f"index {show(key)} is out of range for '{self.where(node.value)}'"
            ) from error
        except (TypeError, ValueError) as error:
            raise ExpressionFailed(
                f"cannot look up {show(key)} in {kind(container)} '{self.where(node.value)}'"
            ) from error

    def call(self, node: ast.Call) -> Any:
        """Call an allowed function with positional arguments."""
        name = node.func.id  # the checker lets only bare names be called
        # Always the whitelisted function: a callable that task data puts under the same name
        # is never called.
        function = ALLOWED_FUNCTIONS[name]
        arguments = [self.value_of(argument) for argument in node.args]
        try:
            return limited(function(*arguments))
        except ExpressionFailed as error:
            raise ExpressionFailed(f"{error} in '{self.where(node)}'") from None
        except Exception as error:
            # Built-ins call into the values' own methods, which may raise anything.
            raise ExpressionFailed(f"{name}() failed in '{self.where(node)}': {error}") from error

    def run(self, statement: ast.stmt) -> None:
        """Run one checked script statement, writing into `names`."""
        if isinstance(statement, ast.Assign):
            value = self.value_of(statement.value)
            for target in statement.targets:
                self.assign(target, value)
        elif isinstance(statement, ast.AugAssign):
            self.augment(statement)

    def assign(self, target: ast.AST, value: Any) -> None:
        """Store `value` into a name, an item or several names."""
        if isinstance(target, ast.Name):
            self.names[target.id] = value
        elif isinstance(target, ast.Subscript):
            container = self.value_of(target.value)
            self.store(target, container, self.value_of(target.slice), value)
        else:  # a tuple or list of targets: the checker allows nothing else
            count = len(target.elts)
            if not isinstance(value, list | tuple) or len(value) != count:
                raise ExpressionFailed(
                    f"cannot assign {kind(value)} to {count} names in '{self.where(target)}'"
                    f"; the right side needs exactly {count} values"
                )
            for element, item in zip(target.elts, value, strict=True):
                self.assign(element, item)

    def augment(self, statement: ast.AugAssign) -> None:
        """Run `x += v` and its kin: read the target, apply the operator, write it back."""
        target = statement.target
        op = type(statement.op)
        if isinstance(target, ast.Name):
            current = self.name(target)
            value = self.value_of(statement.value)
            self.names[target.id] = self.apply(statement, op, current, value)
            return
        container = self.value_of(target.value)
        key = self.value_of(target.slice)
        current = self.item(target, container, key)
        value = self.value_of(statement.value)
        self.store(target, container, key, self.apply(statement, op, current, value))

    def store(self, target: ast.Subscript, container: Any, key: Any, value: Any) -> None:
        """Write `value` under `key` in `container`, explaining any failure."""
        # Putting one list into another twice per statement would double a shared structure
        # with every statement, and a list inside itself cannot be saved at all.
        if isinstance(value, CONTAINERS):
            try:
                too_long = size(value, inside=container) > MAX_ITEMS
            except ExpressionFailed as error:
                raise ExpressionFailed(f"{error} in '{self.where(target)}'") from None
            if too_long:
                raise ExpressionFailed(f"{TOO_LONG} in '{self.where(target)}'")
        try:
            container[key] = value
        except IndexError as error:
            raise ExpressionFailed(
                f"index {show(key)} is out of range for '{self.where(target.value)}'"
            ) from error
        except (TypeError, ValueError, KeyError) as error:
            raise ExpressionFailed(
                f"cannot assign into {kind(container)} '{self.where(target.value)}'"
            ) from error


_EVALUATORS: dict[type[ast.AST], Callable[[Evaluator, Any], Any]] = {
    ast.Constant: Evaluator.constant,
    ast.Name: Evaluator.name,
    ast.List: Evaluator.make_list,
    ast.Tuple: Evaluator.make_tuple,
    ast.Set: Evaluator.make_set,
    ast.Dict: Evaluator.make_dict,
    ast.BinOp: Evaluator.binop,
    ast.UnaryOp: Evaluator.unaryop,
    ast.BoolOp: Evaluator.boolop,
    ast.Compare: Evaluator.compare,
    ast.IfExp: Evaluator.ifexp,
    ast.Subscript: Evaluator.subscript,
    ast.Call: Evaluator.call,
}


def stray(error: Exception, text: str) -> ExpressionFailed:
    """Turn an exception nobody anticipated into ExpressionFailed."""
    if isinstance(error, RecursionError):
        return ExpressionFailed(f"values nested too deeply to evaluate '{short(text)}'")
    if isinstance(error, MemoryError):
        return ExpressionFailed(f"out of memory evaluating '{short(text)}'")
    return ExpressionFailed(f"could not evaluate '{short(text)}': {error}")
