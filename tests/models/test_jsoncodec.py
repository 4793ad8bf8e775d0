"""Property JSON reads the same whichever decoder takes it: numbers with a fraction or an
exponent are exact decimals, whole numbers of any size stay whole (`models.jsoncodec.loads`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from models import jsoncodec


def exact(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same type at every level (1 == 1.0 == Decimal(1) would hide a float)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return bool(b != b)  # NaN
    return bool(a == b)


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "item 7", "score": 7, "done": true, "note": null}',  # the flat, common row
        '{"price": 1.50}',
        '{"big": 123456789012345678901234567890}',  # beyond 64 bits: orjson would give a float
        '{"top": 9223372036854775807, "low": -9223372036854775808, "over": 18446744073709551616}',
        '{"e": 1e3, "neg": -0}',
        '{"a": 1, "a": 2}',  # the last one wins
        '{"tags": ["a", 1.5], "nested": {"x": 2.25}}',
        '{"a": NaN}',  # Python's json reads it; orjson refuses it
        '{"s": "\\ud800"}',  # a lone surrogate
        ' {"a": 1} ',
        '{"é": "ü"}',
        '[1, 2.5]',
        '["read", "write", 3, null]',
        '[1, [2]]',
        '{"id": "obj_1", "properties": {"name": "x", "tags": ["a", null], "n": 7}}',
        '{"properties": {"price": 1.50, "n": 1}}',
        '{"properties": {"over": 18446744073709551616}}',
        '{"a": {"b": {"c": {"d": {"e": {"f": 1.5}}}}}}',
        '"text"',
        '7',
        '2.5',
        'null',
    ],
)
def test_loads_reads_what_the_exact_decoder_reads(text: str) -> None:
    assert same(jsoncodec.loads(text), exact(text))
    assert same(jsoncodec.loads(text.encode("utf-8", "surrogatepass")), exact(text))


def test_invalid_json_is_refused_by_the_exact_decoder() -> None:
    with pytest.raises(json.JSONDecodeError):
        jsoncodec.loads('{"a": 1,}')


@pytest.mark.parametrize(
    "value",
    [
        {"name": "é ü 中文 😀", "score": 7, "done": False, "note": None},
        {"escapes": "tab\tnl\nquote\"back\\slash/ \x00\x1f \u2028"},
        ["read", "write", 3, None],
        "text",
        -5,
        True,
        None,
        2**64,  # beyond 64 bits: orjson refuses it
        {"big": -(2**70)},
        {1: "a key that is not text"},
        {"s": "\ud800"},  # a lone surrogate
        {"price": Decimal("1.50"), "ratio": 0.1},
        [[1], {"a": Decimal("2.25")}],
        {"id": "obj_1", "properties": {"name": "é", "tags": ["a", None], "n": 2**63 - 1}, "version": 1},  # an event's data
        {"properties": {"big": 2**64}},  # nested beyond 64 bits: orjson refuses it
        {"properties": {"price": Decimal("1.50")}},
        {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},  # deeper than the orjson check looks
        {"outer": {1: "a key that is not text"}},
    ],
)
def test_dumps_writes_what_the_exact_encoder_writes(value: Any) -> None:
    assert jsoncodec.dumps(value) == jsoncodec._ENCODER.encode(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"properties": {"name": "bench", "score": 7}}',
        '{"objects": [{"properties": {"n": 1, "tags": ["a", null, true]}}]}',
        '{"ratio": 0.5}',
        '{"big": 123456789012345678901234567890}',  # orjson would read a float
        '{"a": NaN}',
        '{"s": "\\ud800"}',
        '{"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}',
        ' [1, 2] ',
        '{"a": 1, "a": 2}',
    ],
)
def test_loads_standard_reads_what_the_standard_library_reads(text: str) -> None:
    assert same(jsoncodec.loads_standard(text), json.loads(text))
    assert same(jsoncodec.loads_standard(text.encode()), json.loads(text.encode()))


@pytest.mark.parametrize("text", ['{"a": 1,}', "", "\ufeff{}", "{'a': 1}"])
def test_loads_standard_fails_as_the_standard_library_fails(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as ours:
        jsoncodec.loads_standard(text)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    assert str(ours.value) == str(theirs.value)
