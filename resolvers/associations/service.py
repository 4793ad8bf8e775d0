"""Associations: typed, directed links between two live objects of one tenant.

PUT creates or replaces (same from, type and to), so clients can retry it safely. `meta` is a
small JSON object (10 KB at most, 413 beyond).

Links follow the objects' access rules: writing one needs `objects:<from type>:write` and sight of
both ends (their select policies; a hidden end is 404), listing needs sight of the object, and a
list leaves out, in SQL, links whose far end the caller may not read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models import jsoncodec
from models.associations import Association
from resolvers.associations import repository
from resolvers.associations.schemas import (
    ASSOCIATION_TYPE,
    DIRECTIONS,
    LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT,
    META_MAX_BYTES,
    NESTED_MAX,
    AssociationPage,
    AssociationRecord,
)
from resolvers.authz import require_scope
from resolvers.errors import NotFound, PayloadTooLarge, ValidationError
from resolvers.ids import new_id
from resolvers.objects import cursor as cursors
from resolvers.objects.schemas import Sort
from resolvers.objects.service import require_reachable
from resolvers.objects.visibility import readable
from resolvers.principal import Principal
from resolvers.properties.datatypes import InvalidValue, parse_datetime

PAGE_SORT = Sort("created_at", "asc", is_property=False)


async def put_association(
    principal: Principal | None,
    from_type: str,
    from_id: str,
    association_type: str,
    to_type: str,
    to_id: str,
    meta: Any = None,
) -> AssociationRecord:
    caller = require_scope(principal, "write")
    _check_type_name(association_type)
    meta = _checked_meta(meta)
    source = await require_reachable(caller, from_type, from_id, action="write")
    target = await require_reachable(caller, to_type, to_id)
    existing = await repository.find(caller.tenant_id, from_id, association_type, to_id)
    if existing is None:
        try:
            existing = await Association.create(
                id=new_id("asc"),
                tenant_id=caller.tenant_id,
                from_type=source,
                from_id=from_id,
                association_type=association_type,
                to_type=target,
                to_id=to_id,
                meta=meta,
            )
            return repository.to_record(existing)
        except IntegrityError:  # created concurrently: replace it like any existing one
            existing = await repository.find(caller.tenant_id, from_id, association_type, to_id)
            if existing is None:
                raise
    existing.meta = meta
    await existing.save()
    return repository.to_record(existing)


async def delete_association(
    principal: Principal | None, from_type: str, from_id: str, association_type: str, to_type: str, to_id: str
) -> str:
    caller = require_scope(principal, "write")
    source_type = await require_reachable(caller, from_type, from_id, action="write", trashed_too=True)
    target_type = await require_reachable(caller, to_type, to_id, trashed_too=True)
    found = await repository.find(caller.tenant_id, from_id, association_type, to_id)
    if found is None or found.from_type != source_type or found.to_type != target_type:
        raise NotFound("Association not found")
    await found.delete()
    return found.id


async def list_associations(
    principal: Principal | None,
    type_ref: str,
    object_id: str,
    *,
    direction: str = "both",
    association_type: str | None = None,
    limit: int = LIST_DEFAULT_LIMIT,
    after: str | None = None,
) -> AssociationPage:
    caller = require_scope(principal, "read")
    _check_direction(direction)
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {LIST_MAX_LIMIT}")
    await require_reachable(caller, type_ref, object_id, trashed_too=True)
    position = None
    if after:
        value, last_id = cursors.decode(after, PAGE_SORT)
        position = (_cursor_time(value), last_id)
    rows, total = await repository.page(
        caller.tenant_id, object_id, direction=direction, association_type=association_type,
        readable=await readable(caller), limit=limit, after=position,
    )
    records = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = records[-1]
        next_cursor = cursors.encode(PAGE_SORT, last.created_at.isoformat(), last.id)
    return AssociationPage(items=records, next_cursor=next_cursor, total=total)


async def associations_of(
    principal: Principal | None, object_ids: list[str], *, direction: str, association_type: str | None, first: int
) -> list[list[AssociationRecord]]:
    """Dataloader batch: each object's first associations whose far end the caller may read, in
    one query for all of them (the objects themselves were read through the caller's rights)."""
    caller = require_scope(principal, "read")
    _check_direction(direction)
    if not 1 <= first <= NESTED_MAX:
        raise ValidationError.single("first", f"must be between 1 and {NESTED_MAX}")
    grouped = await repository.first_per_object(caller.tenant_id, object_ids, direction, association_type, first, await readable(caller))
    return [grouped[i] for i in object_ids]


def _checked_meta(meta: Any) -> dict[str, Any]:
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ValidationError.single("meta", "must be a JSON object")
    if len(jsoncodec.dumps(meta).encode()) > META_MAX_BYTES:
        raise PayloadTooLarge(f"meta must be at most {META_MAX_BYTES} bytes of JSON", details={"max_bytes": META_MAX_BYTES})
    return meta


def _check_type_name(association_type: str) -> None:
    if not ASSOCIATION_TYPE.match(association_type):
        raise ValidationError.single("association_type", "must match ^[a-z][a-z0-9_]{0,62}$")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValidationError.single("direction", f"must be one of: {', '.join(DIRECTIONS)}")


def _cursor_time(value: Any) -> datetime:
    try:
        return parse_datetime(value)
    except InvalidValue:
        raise ValidationError.single("cursor", "is not a cursor this API issued") from None
