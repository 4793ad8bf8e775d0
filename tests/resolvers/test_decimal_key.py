"""The SQLite decimal key orders exactly as the decimals do."""

from __future__ import annotations

import random
from decimal import Decimal

from resolvers.properties.decimal_key import decimal_key

EDGES = [
    "0", "0.00", "-0", "1", "1.0", "1.5", "1.50", "1.55", "-1.5", "-1.55", "-2", "10", "9.99", "-10", "-9.99",
    "1234567890123456.01", "1234567890123456.02", "-1234567890123456.01", "-1234567890123456.02",
    "0.000000000000000000000000000001", "-0.000000000000000000000000000001", "99999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999", "1E+2", "100", "0.1", "-0.1",
]


def test_keys_sort_like_the_numbers() -> None:
    rng = random.Random(7)
    values = EDGES + [str(Decimal(rng.randint(-10**20, 10**20)).scaleb(-rng.randint(0, 18))) for _ in range(2000)]
    by_key = sorted(values, key=lambda v: (decimal_key(v), Decimal(v)))
    assert [Decimal(v) for v in by_key] == sorted(Decimal(v) for v in values)


def test_equal_numbers_share_a_key_however_written() -> None:
    assert decimal_key("1.5") == decimal_key("1.50") == decimal_key(b"1.500")
    assert decimal_key("100") == decimal_key("1E+2") == decimal_key(100)
    assert decimal_key("0") == decimal_key("-0.0")
    assert decimal_key("1234567890123456.01") != decimal_key("1234567890123456.02")


def test_anything_but_an_exact_number_has_no_key() -> None:
    assert [decimal_key(v) for v in (None, '"12"', "true", "null", "[1]", "NaN", "Infinity", 1.5)] == [None] * 8
