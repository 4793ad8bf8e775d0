"""JSON that keeps decimals exact: numbers with a fraction decode to `Decimal`, and encode back verbatim.

Object properties are stored as JSON. Decimal and currency values must survive storage without
passing through binary floats, so every read and write of property JSON goes through here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson


# Built once: simplejson builds a new encoder or decoder on every call that passes options.
_ENCODER = simplejson.JSONEncoder(use_decimal=True, separators=(",", ":"), ensure_ascii=False)
_DECODER = simplejson.JSONDecoder(parse_float=Decimal)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def loads(text: str | bytes) -> Any:
    return _DECODER.decode(text.decode() if isinstance(text, bytes) else text)


def plain(value: Any) -> Any:
    """Decimals become floats (or ints): what untyped JSON looks like to API clients."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
