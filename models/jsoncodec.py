"""JSON that keeps decimals exact: numbers with a fraction decode to `Decimal`, and encode back verbatim.

Object properties are stored as JSON. Decimal and currency values must survive storage without
passing through binary floats, so every read and write of property JSON goes through here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
import simplejson


# Built once: simplejson builds a new encoder or decoder on every call that passes options.
_ENCODER = simplejson.JSONEncoder(use_decimal=True, separators=(",", ":"), ensure_ascii=False)
_DECODER = json.JSONDecoder(parse_float=Decimal)
_SCAN = _DECODER.scan_once  # the C scanner: 0.7 µs for a small object, against 1.4 through `decode`


_FLAT = frozenset({str, int, bool, type(None)})  # values orjson reads and writes as the exact codec does
_FLAT_DEPTH = 4  # objects and lists nested deeper go to the exact codec without looking


def _flat(value: Any, depth: int = 0) -> bool:
    """One such value, or an object or list holding only such values or (up to `_FLAT_DEPTH`
    levels) objects and lists of them: an event's data holds the object's properties."""
    kind = type(value)
    if kind is dict:
        values: Any = value.values()
    elif kind is list:
        values = value
    else:
        return kind in _FLAT
    if _FLAT.issuperset(map(type, values)):
        return True
    if depth >= _FLAT_DEPTH:
        return False
    for item in values:
        kind = type(item)
        if kind not in _FLAT and not ((kind is dict or kind is list) and _flat(item, depth + 1)):
            return False
    return True


def dumps(value: Any) -> str:
    """Compact JSON, decimals verbatim. A flat value (`_flat`) is written by orjson (5x faster,
    the same text); anything orjson refuses (an integer beyond 64 bits, a key that is not text,
    a lone surrogate) and anything holding a number with a fraction goes through simplejson,
    whose spelling of numbers is the stored one."""
    if not _flat(value):
        return _ENCODER.encode(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson refuses it (see above)
        return _ENCODER.encode(value)


def loads(text: str | bytes) -> Any:
    """Property JSON. A flat value (most rows: an object of text, whole numbers, booleans and
    nulls, or objects and lists of them) is read by orjson, 3x faster; anything with a number
    orjson would make a float (a fraction, an exponent, an integer beyond 64 bits), anything
    nested deeper than `_FLAT_DEPTH` and any text orjson refuses is read by the exact decoder."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _exact(text)
    return value if _flat(value) else _exact(text)


def loads_standard(text: str | bytes) -> Any:
    """What `json.loads` reads (numbers with a fraction as floats: request bodies), by orjson
    when its reading is the same: a flat value (`_flat`). Anything else, errors included, is
    `json.loads`'s own (an integer beyond 64 bits, which orjson makes a float, NaN, a lone
    surrogate, and the wording of every error)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return value if _flat(value) else json.loads(text)


def _exact(text: str | bytes) -> Any:
    if isinstance(text, bytes):
        text = text.decode()
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    if end == len(text):
        return value
    return _DECODER.decode(text)  # whitespace around the value, extra data or an error: the full decoder decides


def read_back(value: Any, text: str) -> Any:
    """`plain(loads(text))` for `text = dumps(value)` (what a reader of the stored text gets),
    without reading it when `value` is flat: orjson's round trip changes nothing in it. Keys must
    be text, as in any JSON the API takes."""
    return value if _flat(value) else plain(loads(text))


def plain(value: Any) -> Any:
    """Decimals become floats (or ints): what untyped JSON looks like to API clients."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
