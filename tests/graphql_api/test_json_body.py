"""Response bodies: orjson's output is what the standard encoder gave, and what it refuses still encodes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from graphql_api import json_body

STANDARD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass
class Point:
    x: int


def test_the_output_is_the_standard_encoders_byte_for_byte() -> None:
    value = {
        "text": "é ü \u2028 \"quoted\" \\ \n",
        "numbers": [0, -7, 2**63 - 1, 1.5, 1e16, 0.1],
        "flags": [True, False, None],
        "nested": {"list": [{"a": []}], "tuple": (1, 2)},
        "decimal": Decimal("12.50"),
        "when": datetime(2026, 11, 22, 4, 5, 6, 789, tzinfo=timezone.utc),
        "day": date(2026, 11, 22),
        "point": Point(3),
    }
    assert json_body.encode(value) == STANDARD.encode(value).encode()


def test_what_orjson_refuses_goes_through_the_standard_encoder() -> None:
    for value in ({"big": 2**70}, {1: "int key"}, {"deep": _nested(300)}):
        assert json_body.encode(value) == STANDARD.encode(value).encode()


def test_text_for_websocket_frames() -> None:
    assert json_body.encode_text({"type": "next", "id": "1"}) == '{"type":"next","id":"1"}'


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value
