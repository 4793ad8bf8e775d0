"""Opaque keyset cursors: the last row's sort value and id, tied to the sort they were made for.

A keyset cursor stays correct while rows are inserted or deleted (an offset would skip or repeat).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from models import jsoncodec
from resolvers.errors import ValidationError
from resolvers.objects.schemas import Sort


PLAIN_SCALARS = frozenset({str, int, bool, type(None)})  # written alike by orjson and jsoncodec (no floats: formats differ)
URLSAFE = bytes.maketrans(b"+/", b"-_")  # what `base64.urlsafe_b64encode` does after `b2a_base64`


def encode(sort: Sort, value: Any, last_id: str) -> str:
    fields = {"k": sort.key, "o": sort.order, "v": value, "id": last_id}
    payload = _fast(fields) if type(value) in PLAIN_SCALARS else None  # orjson: 0.3 µs, the exact encoder 2.5
    if payload is None:
        payload = jsoncodec.dumps(fields).encode()  # decimals written exactly
    return binascii.b2a_base64(payload, newline=False).translate(URLSAFE).rstrip(b"=").decode()


def _fast(fields: dict[str, Any]) -> bytes | None:
    try:
        return orjson.dumps(fields)
    except TypeError:  # an integer beyond 64 bits
        return None


class PageCursors:
    """The cursors of a page's items, each encoded once and only when asked for: a REST page
    needs its last item's (the next cursor); a connection needs every edge's, and the last
    one again as `endCursor`. `sort_value` reads an item's stored sort value."""

    __slots__ = ("_sort", "_items", "_sort_value", "_encoded")

    def __init__(self, sort: Sort, items: Sequence[Any], sort_value: Callable[[Any, Sort], Any]) -> None:
        self._sort, self._items, self._sort_value = sort, items, sort_value
        self._encoded: dict[int, str] = {}

    def at(self, index: int) -> str:
        """Resume after the item at `index`."""
        found = self._encoded.get(index)
        if found is None:
            item = self._items[index]
            found = self._encoded[index] = encode(self._sort, self._sort_value(item, self._sort), item.id)
        return found

    def all(self) -> list[str]:
        """Every item's cursor, in order (one loop: a connection asks for all of them)."""
        encoded, sort, sort_value = self._encoded, self._sort, self._sort_value
        cursors = []
        for index, item in enumerate(self._items):
            found = encoded.get(index)
            if found is None:
                found = encoded[index] = encode(sort, sort_value(item, sort), item.id)
            cursors.append(found)
        return cursors


def decode(cursor: str, sort: Sort) -> tuple[Any, str]:
    """(sort value, id) of the row the previous page ended on."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = jsoncodec.loads(raw)
        key, order, value, last_id = payload["k"], payload["o"], payload["v"], payload["id"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValidationError.single("cursor", "is not a cursor this API issued") from None
    if (key, order) != (sort.key, sort.order) or not isinstance(last_id, str):
        raise ValidationError.single("cursor", "was issued for a different sort; start again without a cursor")
    return value, last_id
