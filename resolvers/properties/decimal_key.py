"""An order-preserving text key for exact decimals, for SQLite.

SQLite reads JSON numbers as 64-bit floats, so 1234567890123456.01 and .02 compare equal there.
The objects queries compare `basalt_decimal(properties -> '$.amount')` instead: `->` gives the
number's JSON text with every digit, and this key orders as the numbers do under plain byte
comparison. PostgreSQL's jsonb numerics are exact already and never use it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

SQL_FUNCTION = "basalt_decimal"
UNICODE_LOWER = "basalt_lower"  # SQLite's own lower() folds ASCII only


def unicode_lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text
_EXPONENT_BIAS = 5000  # adjusted exponents are clamped to ±4999: far beyond any stored decimal
_NEGATIVE, _ZERO, _POSITIVE = "0", "1", "2"
_COMPLEMENT = str.maketrans("0123456789", "9876543210")
_TERMINATOR = "~"  # sorts after every digit: a shorter negative mantissa is the larger number


def decimal_key(json_text: str | bytes | int | float | None) -> str | None:
    """The key of one JSON number's text; None for anything that is not a finite number."""
    if json_text is None or isinstance(json_text, float):
        return None  # a float has already lost digits; only exact text is keyed
    try:
        value = Decimal(json_text.decode() if isinstance(json_text, bytes) else str(json_text))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    if value.is_zero():
        return _ZERO
    exponent = max(-_EXPONENT_BIAS + 1, min(_EXPONENT_BIAS - 1, value.adjusted())) + _EXPONENT_BIAS
    digits = "".join(map(str, value.normalize().as_tuple().digits))
    if value > 0:
        return f"{_POSITIVE}{exponent:04d}{digits}"
    return f"{_NEGATIVE}{2 * _EXPONENT_BIAS - exponent:04d}{digits.translate(_COMPLEMENT)}{_TERMINATOR}"


# --- exact aggregates for SQLite (sum, avg, min, max over the JSON texts of decimals) ------------

DECIMAL_AGGREGATES = {"sum": "basalt_dsum", "avg": "basalt_davg", "min": "basalt_dmin", "max": "basalt_dmax"}


def _exact(json_text: str | bytes | None) -> Decimal | None:
    if json_text is None:
        return None
    try:
        value = Decimal(json_text.decode() if isinstance(json_text, bytes) else str(json_text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _aggregate(reduce: Callable[[list[Decimal]], Decimal]) -> type:
    """A class for sqlite3's aggregate protocol (step, finalize) answering `reduce` of the exact
    values as text (NULL over no values)."""

    class DecimalAggregate:
        def __init__(self) -> None:
            self.values: list[Decimal] = []

        def step(self, json_text: str | bytes | None) -> None:
            value = _exact(json_text)
            if value is not None:
                self.values.append(value)

        def finalize(self) -> str | None:
            return str(reduce(self.values)) if self.values else None

    return DecimalAggregate


AGGREGATE_CLASSES = {
    "basalt_dsum": _aggregate(lambda values: sum(values, Decimal(0))),
    "basalt_davg": _aggregate(lambda values: sum(values, Decimal(0)) / len(values)),
    "basalt_dmin": _aggregate(min),
    "basalt_dmax": _aggregate(max),
}
