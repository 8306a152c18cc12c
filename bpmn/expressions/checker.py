"""The whitelist: walk a parsed tree once and refuse anything outside the grammar.

Only the node types in `_CHECKS` are allowed; everything else is refused with a Reason whose
code web/workflow/messages/deploy.json translates. Literal arithmetic is folded on the way, so a
constant too large to build (`9**9**9`, `'a' * 10**9`) fails the check, at deploy time, rather
than the first evaluation. Turning text into a tree is bpmn/expressions/parsing.py's job.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from bpmn.errors import Reason, UnsafeExpression
from bpmn.expressions.bounds import (
    FORMATTING,
    MAX_DEPTH,
    MAX_INT,
    MAX_ITEMS,
    NUMBER_TOO_LARGE,
    TOO_DEEP,
    TOO_LONG,
    Refused,
    limited,
)
from bpmn.expressions.describe import short
from bpmn.expressions.functions import ALLOWED_FUNCTIONS, ALLOWED_LIST
from bpmn.expressions.operators import AUGMENTED, OPERATORS, SYMBOLS, UNARY, arithmetic

_DYNAMIC = object()  # what the checker returns for a node whose value depends on names

_REJECTED: dict[type[ast.AST], Reason] = {
    ast.Attribute: Reason("attribute access (x.y) is not allowed", "attribute"),
    ast.Lambda: Reason("lambda is not allowed", "lambda"),
    ast.ListComp: Reason("comprehensions ([… for … in …]) are not allowed", "comprehension"),
    ast.SetComp: Reason("comprehensions ({… for … in …}) are not allowed", "comprehension"),
    ast.DictComp: Reason("comprehensions ({…: … for … in …}) are not allowed", "comprehension"),
    ast.GeneratorExp: Reason("generator expressions ((… for … in …)) are not allowed", "generator"),
    ast.JoinedStr: Reason("f-strings are not allowed; join text with + and str()", "fstring"),
    ast.FormattedValue: Reason("f-strings are not allowed; join text with + and str()", "fstring"),
    ast.NamedExpr: Reason("assignment expressions (:=) are not allowed", "walrus"),
    ast.Await: Reason("await is not allowed", "await"),
    ast.Yield: Reason("yield is not allowed", "yield"),
    ast.YieldFrom: Reason("yield is not allowed", "yield"),
    ast.Starred: Reason("unpacking with * is not allowed", "starred"),
    ast.Slice: Reason("slices (a:b) are only allowed directly inside [ ]", "slice_outside"),
}
_REJECTED_OPERATORS: dict[type[ast.AST], Reason] = {
    ast.LShift: Reason("bit shifts (<<, >>) are not allowed", "bit_shift"),
    ast.RShift: Reason("bit shifts (<<, >>) are not allowed", "bit_shift"),
    ast.BitOr: Reason("bitwise operators (|, &, ^) are not allowed", "bitwise"),
    ast.BitAnd: Reason("bitwise operators (|, &, ^) are not allowed", "bitwise"),
    ast.BitXor: Reason("bitwise operators (|, &, ^) are not allowed", "bitwise"),
    ast.MatMult: Reason("matrix multiplication (@) is not allowed", "matmul"),
}
_REJECTED_LITERALS: dict[type, Reason] = {
    bytes: Reason("bytes literals (b'…') are not allowed", "bytes_literal"),
    complex: Reason("complex numbers (1j) are not allowed", "complex_literal"),
    type(...): Reason("'...' (Ellipsis) is not allowed", "ellipsis"),
}
_REJECTED_STATEMENTS: dict[type[ast.AST], Reason] = {
    ast.Import: Reason("import is not allowed", "import"),
    ast.ImportFrom: Reason("import is not allowed", "import"),
    ast.FunctionDef: Reason("defining functions (def) is not allowed", "def"),
    ast.AsyncFunctionDef: Reason("defining functions (def) is not allowed", "def"),
    ast.ClassDef: Reason("defining classes is not allowed", "class"),
    ast.For: Reason("loops (for, while) are not allowed", "loop"),
    ast.AsyncFor: Reason("loops (for, while) are not allowed", "loop"),
    ast.While: Reason("loops (for, while) are not allowed", "loop"),
    ast.If: Reason("if statements are not allowed; use 'a if condition else b'", "if_statement"),
    ast.With: Reason("with is not allowed", "with"),
    ast.AsyncWith: Reason("with is not allowed", "with"),
    ast.Try: Reason("try is not allowed", "try"),
    ast.TryStar: Reason("try is not allowed", "try"),
    ast.Return: Reason("return is not allowed", "return"),
    ast.Delete: Reason("del is not allowed", "del"),
    ast.Global: Reason("global and nonlocal are not allowed", "global"),
    ast.Nonlocal: Reason("global and nonlocal are not allowed", "global"),
    ast.Raise: Reason("raise is not allowed", "raise"),
    ast.Assert: Reason("assert is not allowed", "assert"),
    ast.AnnAssign: Reason("type annotations (x: int = …) are not allowed", "annotation"),
    ast.Match: Reason("match is not allowed", "match"),
    ast.Expr: Reason(
        "a script may only assign values (name = expression); a bare expression does nothing",
        "bare_expression",
    ),
}
_TARGET_REASON = Reason(
    "you can only assign to a name, an item such as x['key'] or x[0], or names a, b",
    "assign_target",
)
_ASSIGNMENT_IN_EXPRESSION = Reason(
    "assignment is only allowed as a script statement", "assignment_in_expression"
)
_UNPACKING = Reason("unpacking with ** is not allowed", "unpacking")


def _not_allowed(node: ast.AST) -> Reason:
    """A construct no table names (a newer Python's, say), by its node name."""
    name = type(node).__name__
    return Reason(f"{name} is not allowed", "not_allowed", node=name)


def _within(reason: str, where: str) -> Reason:
    """`reason` located at the part of the source it concerns, keeping its code."""
    params = {**getattr(reason, "params", {}), "where": where}
    return Reason(f"{reason} in '{where}'", getattr(reason, "code", None), **params)


def _is_none(node: ast.AST) -> bool:
    """Tell whether `node` is the literal None."""
    return isinstance(node, ast.Constant) and node.value is None


class Checker:
    """Refuse a parsed tree unless it stays inside the grammar; fold literal arithmetic."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text

    def refuse(self, reason: str) -> UnsafeExpression:
        """Build the error for `reason`, naming the source as written."""
        return UnsafeExpression(reason, self.source)

    def where(self, node: ast.AST) -> str:
        """Quote the part of the source that `node` was parsed from."""
        return short(ast.get_source_segment(self.text, node) or "…")

    def expression(self, node: ast.AST, depth: int) -> Any:
        """Check one expression; return its value when it is literal arithmetic, else _DYNAMIC."""
        if depth > MAX_DEPTH:
            raise self.refuse(TOO_DEEP)
        check = _CHECKS.get(type(node))
        if check is None:
            raise self.refuse(_REJECTED.get(type(node)) or _not_allowed(node))
        return check(self, node, depth + 1)

    def identifier(self, name: str) -> None:
        """Refuse names starting with '_', the road to __builtins__, __class__ and friends."""
        if name.startswith("_"):
            raise self.refuse(
                Reason(f"names starting with '_' are not allowed ({name})", "underscore", name=name)
            )

    def constant(self, node: ast.Constant, depth: int) -> Any:
        """Allow int, float, str, bool and None literals."""
        value = node.value
        if value is None or type(value) in (bool, float, str):
            return value
        if type(value) is int:
            if abs(value) > MAX_INT:
                raise self.refuse(NUMBER_TOO_LARGE)
            return value
        kind = type(value)
        raise self.refuse(
            _REJECTED_LITERALS.get(kind)
            or Reason(f"{kind.__name__} literals are not allowed", "literal", kind=kind.__name__)
        )

    def name(self, node: ast.Name, depth: int) -> Any:
        """Allow reading a name that does not start with '_'."""
        self.identifier(node.id)
        if not isinstance(node.ctx, ast.Load):
            raise self.refuse(_ASSIGNMENT_IN_EXPRESSION)
        return _DYNAMIC

    def sequence(self, node: ast.List | ast.Tuple | ast.Set, depth: int) -> Any:
        """Allow list, tuple and set displays of allowed expressions."""
        values = [self.expression(element, depth) for element in node.elts]
        if isinstance(node, ast.Set) or any(value is _DYNAMIC for value in values):
            return _DYNAMIC
        return values if isinstance(node, ast.List) else tuple(values)

    def mapping(self, node: ast.Dict, depth: int) -> Any:
        """Allow dict displays without ** unpacking."""
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise self.refuse(_UNPACKING)
            self.expression(key, depth)
            self.expression(value, depth)
        return _DYNAMIC

    def binop(self, node: ast.BinOp, depth: int) -> Any:
        """Allow + - * / // % **, folding them when both sides are literal."""
        op = type(node.op)
        if op not in OPERATORS:
            raise self.refuse(_REJECTED_OPERATORS.get(op) or _not_allowed(node.op))
        left = self.expression(node.left, depth)
        right = self.expression(node.right, depth)
        if op is ast.Mod and isinstance(left, str):
            raise self.refuse(FORMATTING)
        if op is ast.Mult:
            # [x] * 10**9 is refused before any x exists: the display's length is known.
            for display, times in ((node.left, right), (node.right, left)):
                if isinstance(display, ast.List | ast.Tuple) and type(times) is int:
                    if len(display.elts) * times > MAX_ITEMS:
                        raise self.refuse(_within(TOO_LONG, self.where(node)))
        if left is _DYNAMIC or right is _DYNAMIC:
            return _DYNAMIC
        return self.fold(node, arithmetic, op, left, right)

    def unaryop(self, node: ast.UnaryOp, depth: int) -> Any:
        """Allow -x, +x and not x."""
        op = type(node.op)
        if op not in UNARY:
            raise self.refuse(Reason("bitwise not (~) is not allowed", "bitwise"))
        value = self.expression(node.operand, depth)
        return _DYNAMIC if value is _DYNAMIC else self.fold(node, UNARY[op], value)

    def fold(self, node: ast.AST, function: Callable[..., Any], *args: Any) -> Any:
        """Compute literal arithmetic now, so 9**9**9 and 'a' * 10**9 fail the check itself."""
        try:
            return limited(function(*args))
        except Refused as error:
            raise self.refuse(_within(error.args[0], self.where(node))) from None
        except Exception:
            # 1 / 0 or 'a' - 1 are mistakes, not attacks: evaluation reports them with context.
            return _DYNAMIC

    def boolop(self, node: ast.BoolOp, depth: int) -> Any:
        """Allow and / or."""
        for value in node.values:
            self.expression(value, depth)
        return _DYNAMIC

    def compare(self, node: ast.Compare, depth: int) -> Any:
        """Allow comparisons, with is / is not only against None."""
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot) and not (_is_none(left) or _is_none(right)):
                raise self.refuse(
                    Reason("'is' may only compare with None (x is None); use == otherwise", "is")
                )
            left = right
        for part in (node.left, *node.comparators):
            self.expression(part, depth)
        return _DYNAMIC

    def ifexp(self, node: ast.IfExp, depth: int) -> Any:
        """Allow a if condition else b."""
        for part in (node.test, node.body, node.orelse):
            self.expression(part, depth)
        return _DYNAMIC

    def subscript(self, node: ast.Subscript, depth: int) -> Any:
        """Allow reading x[key] and x[a:b]."""
        if not isinstance(node.ctx, ast.Load):
            raise self.refuse(_ASSIGNMENT_IN_EXPRESSION)
        self.expression(node.value, depth)
        self.index(node.slice, depth)
        return _DYNAMIC

    def index(self, node: ast.AST, depth: int) -> None:
        """Check what goes between [ ]: an expression or one slice."""
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expression(part, depth + 1)
        else:
            self.expression(node, depth)

    def call(self, node: ast.Call, depth: int) -> Any:
        """Allow positional calls of the allowed functions, by name."""
        function = node.func
        if not isinstance(function, ast.Name):
            raise self.refuse(
                _REJECTED.get(type(function))
                or Reason(
                    f"only the allowed functions can be called, by name: {ALLOWED_LIST}",
                    "call_by_name",
                    allowed=ALLOWED_LIST,
                )
            )
        self.identifier(function.id)
        if function.id not in ALLOWED_FUNCTIONS:
            raise self.refuse(
                Reason(
                    f"calls to '{function.id}' are not allowed; allowed functions: {ALLOWED_LIST}",
                    "call",
                    name=function.id,
                    allowed=ALLOWED_LIST,
                )
            )
        if node.keywords:
            if any(keyword.arg is None for keyword in node.keywords):
                raise self.refuse(_UNPACKING)
            raise self.refuse(Reason("keyword arguments (name=value) are not allowed", "keywords"))
        for argument in node.args:
            self.expression(argument, depth)
        return _DYNAMIC

    def script(self, tree: ast.Module) -> None:
        """Check every statement of a script."""
        for statement in tree.body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        """Check one statement: an assignment, an augmented assignment or pass."""
        if isinstance(node, ast.Pass):
            return
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target, 2, unpack=True)
            self.expression(node.value, 2)
            return
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.op, AUGMENTED):
                symbol = SYMBOLS.get(type(node.op), "?")
                raise self.refuse(
                    Reason(
                        f"only +=, -=, *= and /= are allowed, not {symbol}=",
                        "augmented",
                        symbol=f"{symbol}=",
                    )
                )
            self.target(node.target, 2, unpack=False)
            self.expression(node.value, 2)
            return
        raise self.refuse(
            _REJECTED_STATEMENTS.get(type(node))
            or Reason(
                f"{type(node).__name__} is not allowed; a script may only assign values",
                "statement",
                node=type(node).__name__,
            )
        )

    def target(self, node: ast.AST, depth: int, unpack: bool) -> None:
        """Check the left side of an assignment."""
        if depth > MAX_DEPTH:
            raise self.refuse(TOO_DEEP)
        if isinstance(node, ast.Name):
            self.identifier(node.id)
            return
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                raise self.refuse(
                    Reason("assigning to a slice (x[a:b] = …) is not allowed", "slice_assignment")
                )
            base = node.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if not isinstance(base, ast.Name):
                raise self.refuse(_REJECTED.get(type(base)) or _TARGET_REASON)
            self.expression(node.value, depth)
            self.expression(node.slice, depth)
            return
        if unpack and isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                self.target(element, depth + 1, unpack=False)
            return
        raise self.refuse(_REJECTED.get(type(node)) or _TARGET_REASON)


_CHECKS: dict[type[ast.AST], Callable[[Checker, Any, int], Any]] = {
    ast.Constant: Checker.constant,
    ast.Name: Checker.name,
    ast.List: Checker.sequence,
    ast.Tuple: Checker.sequence,
    ast.Set: Checker.sequence,
    ast.Dict: Checker.mapping,
    ast.BinOp: Checker.binop,
    ast.UnaryOp: Checker.unaryop,
    ast.BoolOp: Checker.boolop,
    ast.Compare: Checker.compare,
    ast.IfExp: Checker.ifexp,
    ast.Subscript: Checker.subscript,
    ast.Call: Checker.call,
}
