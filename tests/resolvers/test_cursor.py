"""Keyset cursors: every kind of sort value comes back as it went in, whichever encoder wrote it."""

from __future__ import annotations

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
