"""What a 指标值 or 分值 cell says, the way finance staff type it in Excel.

Excel stores a cell typed as `97.2%` as the fraction 0.972 with a percent number format; the
number the filer meant is 97.2 (taking the stored fraction as the target made every percentage
100 times too small). Provincial systems also export the operator and the unit inside the
value cell (`≥97.2%`, `≤30天`), or the whole value as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from engine.models.enums import Operator

# Every way an operator is written, longest first so that `>=` is not read as `>`.
OPERATOR_WORDS: dict[str, Operator] = {
    "≥": Operator.GE,
    "≧": Operator.GE,
    ">=": Operator.GE,
    "＞＝": Operator.GE,
    "＞=": Operator.GE,
    ">＝": Operator.GE,
    "大于等于": Operator.GE,
    "大于或等于": Operator.GE,
    "不低于": Operator.GE,
    "不少于": Operator.GE,
    "不小于": Operator.GE,
    "≤": Operator.LE,
    "≦": Operator.LE,
    "<=": Operator.LE,
    "＜＝": Operator.LE,
    "＜=": Operator.LE,
    "<＝": Operator.LE,
    "小于等于": Operator.LE,
    "小于或等于": Operator.LE,
    "不高于": Operator.LE,
    "不多于": Operator.LE,
    "不大于": Operator.LE,
    "不超过": Operator.LE,
    ">": Operator.GT,
    "＞": Operator.GT,
    "大于": Operator.GT,
    "高于": Operator.GT,
    "<": Operator.LT,
    "＜": Operator.LT,
    "小于": Operator.LT,
    "低于": Operator.LT,
    "=": Operator.EQ,
    "＝": Operator.EQ,
    "==": Operator.EQ,
    "等于": Operator.EQ,
    "定性": Operator.QUALITATIVE,
    "qualitative": Operator.QUALITATIVE,
}
OPERATOR_PATTERN = "|".join(re.escape(w) for w in sorted(OPERATOR_WORDS, key=len, reverse=True))
# An optional operator, a number (thousands separators allowed), an optional unit without digits.
TARGET_TEXT = re.compile(
    rf"(?P<op>{OPERATOR_PATTERN})?\s*"
    r"(?P<num>[+-]?(?:\d[\d,，]*(?:\.\d+)?|\.\d+))\s*"
    r"(?P<unit>[^\d\s][^\d]{0,19})?"
)
PERCENT_UNITS = {"%", "％"}
# Parts of an Excel number format that print literally: "quoted text", \x escapes, [colours].
FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
MAX_TEXT = 2000


@dataclass(frozen=True)
class CellValue:
    """A cell read as the filer meant it; `problem` is a (code, params) pair when it cannot be."""

    number: Decimal | None = None
    text: str | None = None  # the cell as words (for a qualitative target), stripped
    operator: Operator | None = None  # an operator written inside the cell
    unit: str | None = None  # a unit written inside the cell, or "%" for a percent format
    percent: bool = False
    problem: tuple[str, dict] | None = None


def is_percent_format(number_format: str | None) -> bool:
    """Whether Excel shows the cell's number multiplied by 100 (a `%` outside literals)."""
    return "%" in FORMAT_LITERALS.sub("", number_format or "")


def read_operator(text) -> Operator | None:
    """The operator a 指标性质 / 计算符号 cell names, or None if it names none."""
    return OPERATOR_WORDS.get(_squeeze(str(text))) if text is not None else None


def read_cell(value, number_format: str | None = None) -> CellValue:
    """The number, words, operator and unit of a value cell (a percent format means ×100)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return CellValue()
    if isinstance(value, bool) or isinstance(value, datetime | date | time | timedelta):
        # A date or TRUE is never a target number; keep what the filer saw for the message.
        return CellValue(text=str(value), problem=("excel_not_number", {"value": str(value)}))
    if isinstance(value, int | float):
        number = Decimal(str(value))  # str() is the shortest form: 0.972, not 0.97199999…
        if not number.is_finite():
            return CellValue(problem=("excel_not_number", {"value": str(value)}))
        if is_percent_format(number_format):
            return CellValue(number=plain(number * 100), text=str(value), unit="%", percent=True)
        return CellValue(number=plain(number), text=str(value))
    text = str(value).strip()[:MAX_TEXT]
    match = TARGET_TEXT.fullmatch(text)
    if match is None:
        return CellValue(text=text)
    try:
        number = Decimal(match["num"].replace(",", "").replace("，", ""))
    except InvalidOperation:
        return CellValue(text=text)
    unit = (match["unit"] or "").strip() or None
    percent = unit in PERCENT_UNITS
    return CellValue(
        number=plain(number),
        text=text,
        operator=OPERATOR_WORDS[match["op"]] if match["op"] else None,
        unit="%" if percent else unit,
        percent=percent,
    )


def plain(number: Decimal) -> Decimal:
    """The number without trailing zeros and never in exponent form (97.2, 100, not 1E+2)."""
    if abs(number) >= 10**20:  # far past any column; the storage check names it
        return number
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
