"""How the pages write numbers: one set of Jinja filters, never scientific notation.

`str(Decimal)` and `"%g"` switch to an exponent for numbers such as Decimal('2E+2') (what
`normalize()` makes of 200), so a target of 100 % read "= 1E+2 %". Every filter here formats
with a fixed-point presentation type and groups thousands where a reader counts digits.

| filter      | for                         | Decimal('2E+2') | Decimal('-1234.5') |
|-------------|-----------------------------|-----------------|--------------------|
| plain       | targets, actuals, scores    | 200             | -1234.5            |
| count       | how many                    | 200             | -1,235             |
| yuan        | money in 元 (2 decimals)     | 200.00          | -1,234.50          |
| wan_yuan    | money in 万元 (2 decimals)   | 0.02            | -0.12              |
| signed_yuan | a change of money in 元      | +200.00         | -1,234.50          |
| percent     | a ratio (0.972 → 97.2%)     | 20000.0%        | -123450.0%         |
| points      | a value already in % units  | 200%            | -1234.5%           |
| factor      | a funding factor            | ×200            | ×-1234.5           |

Zero is written without a sign ("0.00", never "+0.00" or "-0.00"). None and blank text give "";
anything that is not a finite number gives "—" rather than a guess.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from flask import Flask

WAN = Decimal(10_000)
CENT = Decimal("0.01")
# Beyond this many digits a number is not something a person typed or a budget holds.
MAX_DIGITS = 40
NOT_A_NUMBER = "—"


def to_decimal(value) -> Decimal | None:
    """A finite Decimal for numbers and numeric text; None for None/blank; raises otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite() or number.adjusted() > MAX_DIGITS:
        raise ValueError(f"{value!r} is not a finite number")
    if number.adjusted() < -MAX_DIGITS:
        return Decimal(0)  # below any precision shown; writing its digits out is unbounded
    return number


def _formatted(value, render) -> str:
    try:
        number = to_decimal(value)
    except ValueError:
        return NOT_A_NUMBER
    if number is None:
        return ""
    # Room for every digit a budget can hold, whatever the thread's decimal context says.
    with localcontext() as context:
        context.prec = 2 * MAX_DIGITS
        return render(number)


def _unsigned_zero(number: Decimal) -> Decimal:
    # -0 and numbers that round to zero are written as zero, without a sign.
    return number.copy_abs() if number.is_zero() else number


def _plain(number: Decimal) -> str:
    number = _unsigned_zero(number)
    if number == number.to_integral_value():
        return format(number.quantize(Decimal(1)), "f")
    return format(number.normalize(), "f")


def plain(value) -> str:
    """200 for Decimal('2E+2') or Decimal('200.00'); 1.5 for Decimal('1.5000')."""
    return _formatted(value, _plain)


def count(value) -> str:
    """A count: whole, with thousands separators (1,234)."""
    return _formatted(
        value, lambda n: format(_unsigned_zero(n.quantize(Decimal(1), ROUND_HALF_UP)), ",f")
    )


def _money(number: Decimal) -> str:
    return format(_unsigned_zero(number.quantize(CENT, ROUND_HALF_UP)), ",f")


def yuan(value) -> str:
    """Money in 元: 1,234,567.80."""
    return _formatted(value, _money)


def wan_yuan(value) -> str:
    """Money in 万元 (the amount in 元 divided by 10,000): 123.46."""
    return _formatted(value, lambda n: _money(n / WAN))


def signed_yuan(value) -> str:
    """A change of money in 元: +1,234.00 or -1,234.00, and 0.00 for no change."""

    def render(number: Decimal) -> str:
        text = _money(number)
        return text if text.startswith("-") or text == "0.00" else "+" + text

    return _formatted(value, render)


def percent(value, places: int = 1) -> str:
    """A ratio as a percentage: 0.972 → 97.2%."""
    step = Decimal(1).scaleb(-places)
    return _formatted(
        value,
        lambda n: format(_unsigned_zero((n * 100).quantize(step, ROUND_HALF_UP)), "f") + "%",
    )


def points(value) -> str:
    """A value already in percent units: 97.2 → 97.2%."""
    return _formatted(value, lambda n: _plain(n) + "%")


def factor(value) -> str:
    """A funding factor: ×0.9, ×1.1."""
    return _formatted(value, lambda n: "×" + _plain(n))


FILTERS = {
    "plain": plain,
    "count": count,
    "yuan": yuan,
    "wan_yuan": wan_yuan,
    "signed_yuan": signed_yuan,
    "percent": percent,
    "points": points,
    "factor": factor,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
