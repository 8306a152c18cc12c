"""Check and evaluate the safe expression and script grammar that definitions are written in."""

from __future__ import annotations

import ast
import decimal
import functools
import io
import itertools
import operator
import textwrap
import tokenize
import warnings
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from bpmn.errors import ExpressionFailed, Reason, UnsafeExpression

MAX_EXPRESSION_LENGTH = 2_000
MAX_SCRIPT_LENGTH = 5_000
MAX_NODES = 500
MAX_DEPTH = 40
MAX_STATEMENTS = 50
MAX_EXPONENT = 100
MAX_POWER_BASE = 10**6
MAX_ITEMS = 10_000
MAX_INT = 10**30
MAX_ROUND_DIGITS = 100

# Each refusal is a Reason: English text with a code (and params) for the pages' languages
# (web/messages/deploy.json, deploy.detail.<code>).
_TOO_DEEP = Reason(f"nesting too deep (more than {MAX_DEPTH} levels)", "too_deep", max=MAX_DEPTH)
_NUMBER_TOO_LARGE = Reason("number too large (beyond 10**30)", "number_too_large")
_TOO_LONG = Reason(
    f"text or list too long (more than {MAX_ITEMS:,} characters or items)",
    "too_long",
    max=f"{MAX_ITEMS:,}",
)
_FORMATTING = Reason(
    "formatting text with % is not allowed; join text with + and str()", "formatting"
)


class _Refused(ExpressionFailed):
    """A value would break a size limit; raised before the value is built."""


def _is_number(value: Any) -> bool:
    """Tell whether `value` is an int, bool, float or Decimal."""
    return isinstance(value, int | float | Decimal)


def _limited(value: Any) -> Any:
    """Return `value`, refusing integers beyond MAX_INT."""
    # Python ints grow without bound; a few multiplications could eat the whole machine.
    if type(value) is int and not -MAX_INT <= value <= MAX_INT:
        raise _Refused(_NUMBER_TOO_LARGE)
    return value


def _round(number: Any, ndigits: Any = None, /) -> Any:
    """Round like round(), refusing digit counts far outside any amount of money."""
    if ndigits is None:
        return round(number)
    if type(ndigits) is not int:
        raise ExpressionFailed("round() needs a whole number of digits")
    # round(1, -10**9) would compute 10**(10**9) before answering.
    if abs(ndigits) > MAX_ROUND_DIGITS:
        raise _Refused(f"round() takes at most {MAX_ROUND_DIGITS} digits")
    return round(number, ndigits)


def _sum(values: Iterable[Any], start: Any = 0, /) -> Any:
    """Add up numbers, starting from a number."""
    # A list or text start value would turn sum() into unlimited concatenation.
    if not _is_number(start):
        raise ExpressionFailed("sum() adds numbers; its start value must be a number")
    return sum(values, start)


def _sorted(values: Iterable[Any], /) -> list[Any]:
    """Sort at most MAX_ITEMS values."""
    items = list(itertools.islice(values, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise _Refused(f"sorted() takes at most {MAX_ITEMS:,} items")
    items.sort()
    return items


ALLOWED_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "abs": abs,
        "all": all,
        "any": any,
        "bool": bool,
        "float": float,
        "int": int,
        "len": len,
        "max": max,
        "min": min,
        "round": _round,
        "sorted": _sorted,
        "str": str,
        "sum": _sum,
    }
)
_ALLOWED_LIST = ", ".join(ALLOWED_FUNCTIONS)

_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_AUGMENTED = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}


def _contains(left: Any, right: Any) -> bool:
    """Apply `in`."""
    return left in right


def _not_contains(left: Any, right: Any) -> bool:
    """Apply `not in`."""
    return left not in right


_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: _contains,
    ast.NotIn: _not_contains,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_ORDERING = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_CONTAINERS = (list, tuple, dict, set, frozenset)


def _size(value: Any, inside: Any = None) -> int:
    """Count the characters and items in `value`, nested ones included, up to MAX_ITEMS + 1."""
    # Shared references count every time they are reached: [[0] * 100] * 100 is 10,000 items
    # once printed or saved, though it only holds 101 objects.
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if inside is not None and item is inside:
            raise _Refused("a list or dict cannot contain itself")
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            if total <= MAX_ITEMS:
                for key, nested in item.items():
                    pending += (key, nested)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            if total <= MAX_ITEMS:
                pending.extend(item)
        if total > MAX_ITEMS:
            return total
    return total


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """Turn a float beside a Decimal into the Decimal it is written as."""
    # Money is Decimal; a rate typed as 0.1 should mean Decimal('0.1'), not 0.1000000000000000055…
    if type(left) is float and isinstance(right, Decimal):
        return Decimal(repr(left)), right
    if type(right) is float and isinstance(left, Decimal):
        return left, Decimal(repr(right))
    return left, right


def _arithmetic(op: type[ast.operator], left: Any, right: Any) -> Any:
    """Apply one arithmetic operator, refusing results too large to build."""
    left, right = _coerce(left, right)
    if op is ast.Add:
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            if _size(left) + _size(right) > MAX_ITEMS:
                raise _Refused(_TOO_LONG)
    elif op is ast.Mult:
        if isinstance(left, _SEQUENCES):
            _check_repeat(left, right)
        elif isinstance(right, _SEQUENCES):
            _check_repeat(right, left)
    elif op is ast.Mod:
        # '%1000000000d' % 1 allocates a gigabyte.
        if isinstance(left, str | bytes | bytearray):
            raise _Refused(_FORMATTING)
    elif op is ast.Pow:
        _check_power(left, right)
    result = _OPERATORS[op](left, right)
    if isinstance(result, complex):
        raise ExpressionFailed("the result is not a real number")
    return _limited(result)


def _check_repeat(sequence: Any, times: Any) -> None:
    """Refuse repeating `sequence` unless `times` is a whole number that keeps it short."""
    # Only a plain int is trusted: anything else could fake a small count and repeat forever.
    if type(times) is not int and type(times) is not bool:
        raise ExpressionFailed(
            f"text or a list can only be repeated a whole number of times, not {_kind(times)}"
        )
    if times > 0 and _size(sequence) * times > MAX_ITEMS:
        raise _Refused(_TOO_LONG)


def _check_power(base: Any, exponent: Any) -> None:
    """Refuse ** unless both base and exponent are small enough to compute at once."""
    if not _is_number(exponent):
        raise ExpressionFailed(f"the exponent must be a number, not {_kind(exponent)}")
    if abs(exponent) > MAX_EXPONENT:
        raise _Refused(
            Reason(f"exponent too large (at most {MAX_EXPONENT})", "exponent", max=MAX_EXPONENT)
        )
    if _is_number(base) and abs(base) > MAX_POWER_BASE:
        raise _Refused(
            Reason(
                f"base of ** too large (at most {MAX_POWER_BASE:,})",
                "power_base",
                max=f"{MAX_POWER_BASE:,}",
            )
        )


def _kind(value: Any) -> str:
    """Name the kind of `value` the way a finance officer would."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true/false"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _short(text: str, limit: int = 60) -> str:
    """Squeeze `text` onto one line of at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    """Show a value inside an error message, briefly."""
    try:
        return _short(repr(value))
    except Exception:
        # A value from task data may have a broken repr; the message must still be built.
        return f"a {_kind(value)}"


# ---------------------------------------------------------------------------------------------
# Checking: walk the parsed tree once and refuse anything outside the grammar.

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
# Tags rather than parts of an expression: every Name carries a Load, every BinOp an operator.
_TAGS = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
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


class _Checker:
    """Refuse a parsed tree unless it stays inside the grammar; fold literal arithmetic."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text

    def refuse(self, reason: str) -> UnsafeExpression:
        """Build the error for `reason`, naming the source as written."""
        return UnsafeExpression(reason, self.source)

    def where(self, node: ast.AST) -> str:
        """Quote the part of the source that `node` was parsed from."""
        return _short(ast.get_source_segment(self.text, node) or "…")

    def expression(self, node: ast.AST, depth: int) -> Any:
        """Check one expression; return its value when it is literal arithmetic, else _DYNAMIC."""
        if depth > MAX_DEPTH:
            raise self.refuse(_TOO_DEEP)
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
                raise self.refuse(_NUMBER_TOO_LARGE)
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
        if op not in _OPERATORS:
            raise self.refuse(_REJECTED_OPERATORS.get(op) or _not_allowed(node.op))
        left = self.expression(node.left, depth)
        right = self.expression(node.right, depth)
        if op is ast.Mod and isinstance(left, str):
            raise self.refuse(_FORMATTING)
        if op is ast.Mult:
            # [x] * 10**9 is refused before any x exists: the display's length is known.
            for display, times in ((node.left, right), (node.right, left)):
                if isinstance(display, ast.List | ast.Tuple) and type(times) is int:
                    if len(display.elts) * times > MAX_ITEMS:
                        raise self.refuse(_within(_TOO_LONG, self.where(node)))
        if left is _DYNAMIC or right is _DYNAMIC:
            return _DYNAMIC
        return self.fold(node, _arithmetic, op, left, right)

    def unaryop(self, node: ast.UnaryOp, depth: int) -> Any:
        """Allow -x, +x and not x."""
        op = type(node.op)
        if op not in _UNARY:
            raise self.refuse(Reason("bitwise not (~) is not allowed", "bitwise"))
        value = self.expression(node.operand, depth)
        return _DYNAMIC if value is _DYNAMIC else self.fold(node, _UNARY[op], value)

    def fold(self, node: ast.AST, function: Callable[..., Any], *args: Any) -> Any:
        """Compute literal arithmetic now, so 9**9**9 and 'a' * 10**9 fail the check itself."""
        try:
            return _limited(function(*args))
        except _Refused as error:
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
                    f"only the allowed functions can be called, by name: {_ALLOWED_LIST}",
                    "call_by_name",
                    allowed=_ALLOWED_LIST,
                )
            )
        self.identifier(function.id)
        if function.id not in ALLOWED_FUNCTIONS:
            raise self.refuse(
                Reason(
                    f"calls to '{function.id}' are not allowed; allowed functions: {_ALLOWED_LIST}",
                    "call",
                    name=function.id,
                    allowed=_ALLOWED_LIST,
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
            if not isinstance(node.op, _AUGMENTED):
                symbol = _SYMBOLS.get(type(node.op), "?")
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
            raise self.refuse(_TOO_DEEP)
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


_CHECKS: dict[type[ast.AST], Callable[[_Checker, Any, int], Any]] = {
    ast.Constant: _Checker.constant,
    ast.Name: _Checker.name,
    ast.List: _Checker.sequence,
    ast.Tuple: _Checker.sequence,
    ast.Set: _Checker.sequence,
    ast.Dict: _Checker.mapping,
    ast.BinOp: _Checker.binop,
    ast.UnaryOp: _Checker.unaryop,
    ast.BoolOp: _Checker.boolop,
    ast.Compare: _Checker.compare,
    ast.IfExp: _Checker.ifexp,
    ast.Subscript: _Checker.subscript,
    ast.Call: _Checker.call,
}


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
        raise UnsafeExpression(_TOO_DEEP, source) from None
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


class _Checked(NamedTuple):
    """A tree that passed the check, with the text it was parsed from."""

    tree: Any  # ast.Expression for an expression, ast.Module for a script
    text: str


@functools.lru_cache(maxsize=4096)
def _checked(source: str, script: bool) -> _Checked:
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
        raise UnsafeExpression(_TOO_DEEP, source)
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
    checker = _Checker(source, text)
    try:
        if isinstance(tree, ast.Module):
            checker.script(tree)
        else:
            checker.expression(tree.body, 1)
    except RecursionError:
        raise UnsafeExpression(_TOO_DEEP, source) from None
    return _Checked(tree, text)


def _require_text(source: Any) -> str:
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


# ---------------------------------------------------------------------------------------------
# Evaluating: walk a checked tree against task data.

_MISSING = object()


class _Evaluator:
    """Evaluate a checked tree against `names`; failures become ExpressionFailed with context."""

    __slots__ = ("names", "text")

    def __init__(self, text: str, names: Mapping[str, Any]) -> None:
        self.text = text
        self.names = names

    def where(self, node: ast.AST) -> str:
        """Quote the part of the source that `node` was parsed from."""
        return _short(ast.get_source_segment(self.text, node) or "…")

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
        if _size(value) > MAX_ITEMS:
            raise ExpressionFailed(f"{_TOO_LONG} in '{self.where(node)}'")
        return value

    def binop(self, node: ast.BinOp) -> Any:
        """Evaluate both sides, then the operator."""
        left = self.value_of(node.left)
        right = self.value_of(node.right)
        return self.apply(node, type(node.op), left, right)

    def apply(self, node: ast.AST, op: type[ast.operator], left: Any, right: Any) -> Any:
        """Apply an arithmetic operator for `node`, explaining any failure."""
        try:
            return _arithmetic(op, left, right)
        except ExpressionFailed as error:
            raise ExpressionFailed(f"{error} in '{self.where(node)}'") from None
        except ZeroDivisionError as error:
            raise ExpressionFailed(f"division by zero in '{self.where(node)}'") from error
        except TypeError as error:
            symbol = _SYMBOLS[op]
            raise ExpressionFailed(
                f"cannot use '{symbol}' on {_kind(left)} and {_kind(right)} in '{self.where(node)}'"
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
            return _limited(_UNARY[type(node.op)](value))
        except TypeError as error:
            symbol = _SYMBOLS[type(node.op)]
            raise ExpressionFailed(
                f"cannot use '{symbol}' on {_kind(value)} in '{self.where(node)}'"
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
        if op in _ORDERING:
            left, right = _coerce(left, right)
        try:
            return _COMPARISONS[op](left, right)
        except (TypeError, ArithmeticError) as error:
            raise ExpressionFailed(
                f"cannot compare {_kind(left)} and {_kind(right)} with '{_SYMBOLS[op]}'"
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
            raise ExpressionFailed(f"no key {_show(key)} in '{self.where(node.value)}'") from error
        except IndexError as error:
            raise ExpressionFailed(
                f"index {_show(key)} is out of range for '{self.where(node.value)}'"
            ) from error
        except (TypeError, ValueError) as error:
            raise ExpressionFailed(
                f"cannot look up {_show(key)} in {_kind(container)} '{self.where(node.value)}'"
            ) from error

    def call(self, node: ast.Call) -> Any:
        """Call an allowed function with positional arguments."""
        name = node.func.id  # the checker lets only bare names be called
        # Always the whitelisted function: a callable that task data puts under the same name
        # is never called.
        function = ALLOWED_FUNCTIONS[name]
        arguments = [self.value_of(argument) for argument in node.args]
        try:
            return _limited(function(*arguments))
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
                    f"cannot assign {_kind(value)} to {count} names in '{self.where(target)}'"
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
        if isinstance(value, _CONTAINERS):
            try:
                too_long = _size(value, inside=container) > MAX_ITEMS
            except ExpressionFailed as error:
                raise ExpressionFailed(f"{error} in '{self.where(target)}'") from None
            if too_long:
                raise ExpressionFailed(f"{_TOO_LONG} in '{self.where(target)}'")
        try:
            container[key] = value
        except IndexError as error:
            raise ExpressionFailed(
                f"index {_show(key)} is out of range for '{self.where(target.value)}'"
            ) from error
        except (TypeError, ValueError, KeyError) as error:
            raise ExpressionFailed(
                f"cannot assign into {_kind(container)} '{self.where(target.value)}'"
            ) from error


_EVALUATORS: dict[type[ast.AST], Callable[[_Evaluator, Any], Any]] = {
    ast.Constant: _Evaluator.constant,
    ast.Name: _Evaluator.name,
    ast.List: _Evaluator.make_list,
    ast.Tuple: _Evaluator.make_tuple,
    ast.Set: _Evaluator.make_set,
    ast.Dict: _Evaluator.make_dict,
    ast.BinOp: _Evaluator.binop,
    ast.UnaryOp: _Evaluator.unaryop,
    ast.BoolOp: _Evaluator.boolop,
    ast.Compare: _Evaluator.compare,
    ast.IfExp: _Evaluator.ifexp,
    ast.Subscript: _Evaluator.subscript,
    ast.Call: _Evaluator.call,
}


def _stray(error: Exception, text: str) -> ExpressionFailed:
    """Turn an exception nobody anticipated into ExpressionFailed."""
    if isinstance(error, RecursionError):
        return ExpressionFailed(f"values nested too deeply to evaluate '{_short(text)}'")
    if isinstance(error, MemoryError):
        return ExpressionFailed(f"out of memory evaluating '{_short(text)}'")
    return ExpressionFailed(f"could not evaluate '{_short(text)}': {error}")


# ---------------------------------------------------------------------------------------------
# The public API.


def check_expression(source: str) -> None:
    """Raise UnsafeExpression unless `source` is one expression inside the safe grammar."""
    _checked(_require_text(source), False)


def check_script(source: str) -> None:
    """Raise UnsafeExpression unless `source` is a script of safe assignments."""
    _checked(_require_text(source), True)


def evaluate(source: str, names: Mapping[str, Any]) -> Any:
    """Check `source` as one safe expression, then evaluate it against `names`."""
    checked = _checked(_require_text(source), False)
    try:
        return _Evaluator(checked.text, names).value_of(checked.tree.body)
    except (ExpressionFailed, UnsafeExpression):
        raise
    except Exception as error:
        # Task data may hold values whose own methods raise anything; callers see one type.
        raise _stray(error, checked.text) from error


def execute(source: str, data: dict[str, Any]) -> None:
    """Check `source` as a safe script, then run its assignments in order, writing into `data`."""
    checked = _checked(_require_text(source), True)
    evaluator = _Evaluator(checked.text, data)
    # Like Python, statements before a failing one have already written into `data`.
    try:
        for statement in checked.tree.body:
            evaluator.run(statement)
    except (ExpressionFailed, UnsafeExpression):
        raise
    except Exception as error:
        raise _stray(error, checked.text) from error
