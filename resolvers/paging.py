"""Checks for the paging arguments every list takes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models import jsoncodec
from resolvers.errors import ValidationError

Row = TypeVar("Row", bound=Model)


def bounded_int(value: Any, field: str, *, default: int, low: int, high: int) -> int:
    """`value` if it is an integer in [low, high] (digits in text too: query strings and
    templates are text), `default` when absent; 400 naming `field` otherwise."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError.single(field, f"must be an integer from {low} to {high}")
    return value


async def newest_first(query: QuerySet[Row], *, limit: int, cursor: str | None) -> tuple[list[Row], str | None]:
    """A page of rows (with `created_at` and `id`) newest first after an opaque keyset cursor,
    stable while rows are added; and the cursor of the next page, if any."""
    if cursor:
        created, last_id = _decode(cursor)
        query = query.filter(Q(created_at__lt=created) | (Q(created_at=created) & Q(id__lt=last_id)))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    page = rows[:limit]
    return page, (_encode(page[-1]) if len(rows) > limit and page else None)


def _encode(row: Any) -> str:
    payload = jsoncodec.dumps({"c": row.created_at.isoformat(), "id": row.id})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        payload = jsoncodec.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(payload["c"]), str(payload["id"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValidationError.single("cursor", "is not a cursor this API issued") from None
