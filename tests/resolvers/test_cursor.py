"""Keyset cursors: every kind of sort value comes back as it went in, whichever encoder wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from resolvers.errors import ValidationError
from resolvers.objects import cursor
from resolvers.objects.schemas import Sort

SORT = Sort("score", "asc", True, "integer")


@pytest.mark.parametrize("value", [99001, -7, 2**70, "ÉTÉ \"quoted\"", None, True, Decimal("12.50"), Decimal("1E+3"), 1.5])
def test_a_cursor_gives_back_its_value_and_id(value: object) -> None:
    decoded, last_id = cursor.decode(cursor.encode(SORT, value, "obj_1"), SORT)

    assert (decoded, last_id) == (value, "obj_1")
    assert type(decoded) is (Decimal if isinstance(value, float) else type(value))  # fractions come back exact


def test_a_cursor_of_another_sort_is_refused() -> None:
    issued = cursor.encode(SORT, 5, "obj_1")

    with pytest.raises(ValidationError):
        cursor.decode(issued, Sort("score", "desc", True, "integer"))


def test_a_cursor_is_url_safe_text_without_padding() -> None:
    issued = cursor.encode(SORT, "??>>~~", "obj_1")  # JSON whose base64 holds + and /
    assert set(issued) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert cursor.decode(issued, SORT) == ("??>>~~", "obj_1")


def test_a_page_encodes_each_items_cursor_once_whichever_way_it_is_asked() -> None:
    @dataclass
    class Item:
        id: str
        score: int

    read: list[str] = []

    def sort_value(item: Item, sort: Sort) -> int:
        read.append(item.id)
        return item.score

    items = [Item(f"obj_{i}", i * 10) for i in range(5)]
    page = cursor.PageCursors(SORT, items, sort_value)
    last = page.at(4)
    every = page.all()
    assert every == [cursor.encode(SORT, item.score, item.id) for item in items] and every[4] == last
    assert page.all() == every and page.at(2) == every[2]
    assert sorted(read) == [item.id for item in items]  # each item read once
