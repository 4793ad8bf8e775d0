"""Ids: prefixed, base-36, uniform digits from the OS's randomness."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from resolvers import ids


def test_an_id_is_its_prefix_and_twenty_base36_digits() -> None:
    assert re.fullmatch(r"obj_[a-z0-9]{20}", ids.new_id("obj"))
    assert re.fullmatch(r"key_[a-z0-9]{32}", ids.new_id("key", 32))


def test_ids_do_not_repeat() -> None:
    assert len({ids.new_id("x") for _ in range(20_000)}) == 20_000


def test_every_digit_is_about_equally_likely() -> None:
    counts = Counter("".join(ids.new_id("x")[2:] for _ in range(18_000)))  # 360,000 digits, 10,000 expected each
    assert set(counts) == set(ids._ALPHABET)
    assert max(counts.values()) < 10_600 and min(counts.values()) > 9_400  # about 6 standard deviations


def test_bytes_that_would_bias_the_digits_are_dropped_and_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([bytes([255] * 28), bytes([0, 35, 36, 251, 252] + [1] * 23)])
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda n: next(draws))
    assert ids.new_id("x") == "x_a9a9" + "b" * 16  # 0 -> a, 35 -> 9, 36 -> a, 251 -> 9 (251 % 36 = 35); 252 dropped
