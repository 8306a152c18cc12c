"""Column types that keep money and measures exact and timestamps in UTC on every database."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Enum, TypeDecorator


class ScaledDecimal(TypeDecorator):
    """A `Decimal` stored as an integer count of 10^-places (money in fen, rates in 1/10,000).

    SQLite has no exact decimal type, and floats break the domain's boundaries
    (`0.35 * 12 / 7` is 0.5999…): integers compare exactly on both databases,
    which is what the set-based alert and scoring queries rely on.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"refusing float {value!r} for an exact decimal column; use Decimal")
        scaled = Decimal(value).scaleb(self.places)
        integral = scaled.to_integral_value()
        if scaled != integral:
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(integral)

    def process_literal_param(self, value, dialect):
        return str(self.process_bind_param(value, dialect))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)

    @property
    def python_type(self):
        return Decimal


class Money(ScaledDecimal):
    """Yuan with two decimals, stored in fen."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(2)


class Measure(ScaledDecimal):
    """Indicator values, rates and factors, four decimals."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(4)


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in Python whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self):
        return datetime


def enum_type(enum_cls: type[enum.Enum]) -> Enum:
    """A portable VARCHAR + CHECK column holding the enum's values (not names)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
        length=max(len(member.value) for member in enum_cls),
        name=enum_cls.__name__.lower(),
    )


def utcnow() -> datetime:
    """Now, aware and in UTC."""
    return datetime.now(UTC)
