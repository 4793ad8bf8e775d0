"""The lean query-string reader answers exactly as Starlette's `QueryParams`."""

from __future__ import annotations

import random

import pytest
from starlette.datastructures import QueryParams

from rest_compat.query_string import last, query_values

CASES = [
    b"",
    b"limit=20",
    b"filter=%7B%22score%22%3A%20%7B%22gte%22%3A%2099000%7D%7D&sort=score&order=asc&limit=20",
    b"a=1&a=2&b=&c&&d==e&=f",
    b"q=hello+world&q2=a%2Bb&plus+name=x",
    b"bad=%zz&half=%4&trail=%",
    b"utf8=%C3%A9t%C3%A9&broken=%C3&mixed=%C3\xa9",
    b"latin=\xe9t\xe9&emoji=%F0%9F%98%80",
    b"semi=a;b&amp=a%26b&eq=a%3Db",
    b"%6C%69%6D%69%74=5&limit=6",
]


def _starlette(raw: bytes) -> dict[str, list[str]]:
    params = QueryParams(raw)
    return {name: params.getlist(name) for name in params.keys()}


@pytest.mark.parametrize("raw", CASES)
def test_values_are_what_starlette_reads(raw: bytes) -> None:
    values = query_values(raw)
    assert values == _starlette(raw)
    for name in QueryParams(raw).keys():
        assert last(values, name) == QueryParams(raw).get(name)


def test_random_query_strings_read_the_same() -> None:
    alphabet = [b"a", b"b", b"=", b"&", b"+", b"%", b"2", b"F", b"C3", b"%A9", b"\xe9", b" ", b";"]
    rng = random.Random(7)
    for _ in range(2000):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 16)))
        assert query_values(raw) == _starlette(raw), raw


def test_a_name_never_sent_has_no_value() -> None:
    assert last(query_values(b"a=1"), "b") is None
