"""Objects: typed records with versions, a trash, batches, and lists filtered and paged in SQL.

Every write keeps the version it replaces (`object_versions`) and bumps `version` with a
conditional UPDATE, so two concurrent writers can never both win: the loser gets 409. Unique
properties are enforced by partial unique indexes; their violations become 409 DUPLICATE_VALUE.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from models.policies import AccessPolicy
from resolvers import db
from resolvers.audit import service as audit
from resolvers.authz import require_permission, require_scope
from resolvers.hooks import emitter as hooks
from resolvers.hooks.schemas import HookEvent, HookFailed
from resolvers.errors import (
    DuplicateValue,
    FieldError,
    NotFound,
    PolicyViolation,
    ValidationError,
    VersionConflict,
)
from resolvers.ids import new_id
from resolvers.object_types import repository as object_types
from resolvers.objects import events, quota, repository, schema_cache
from resolvers.policies import engine as policies
from resolvers.roles import permissions
from resolvers.objects.schemas import (
    BATCH_MAX_ITEMS,
    LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT,
    ORDERS,
    SYSTEM_SORTS,
    VERSIONS_DEFAULT_LIMIT,
    VERSIONS_MAX_LIMIT,
    ObjectPatch,
    ObjectRecord,
    Page,
    Sort,
    TypeSchema,
    VersionRecord,
    api_properties,
    stored_as_api,
)
from resolvers.objects.validation import Checked, check_properties, merged
from resolvers.principal import Principal
from resolvers.properties import repository as properties
from resolvers.properties.datatypes import DATA_TYPES, to_api
from resolvers.runtime import Runtime
from resolvers.scoping import scoped
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete
from resolvers.views import repository as views

UNIQUE_INDEX = re.compile(r"ux_(prop_[a-z0-9]+)")


# --- schema --------------------------------------------------------------------------------


async def load_schema(tenant_id: str, type_ref: str, version: int | None = None) -> TypeSchema:
    """The type (by id or name) and its properties, or 404. With the tenant's schema `version`
    (the caller's `schema_version`) a cached copy is used when it is current."""

    async def load() -> TypeSchema:
        found = await object_types.with_properties(tenant_id, type_ref)
        if found is None:
            raise NotFound(f"Object type {type_ref} not found")
        object_type, props = found
        policies = await scoped(AccessPolicy, tenant_id).filter(object_type_id=object_type.id, enabled=True).order_by("created_at", "id")
        return TypeSchema(object_type=object_type, properties={p.name: p for p in props}, policies=tuple(policies))

    return await schema_cache.cached(tenant_id, type_ref, version, load)


async def _schema_for(caller: Principal, type_ref: str, action: str) -> TypeSchema:
    """The type's schema, if the caller may `action` (read, write, delete) its objects: for users
    their roles decide (objects:<type>:<action>), for keys their scopes (checked before)."""
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    await require_permission(caller, f"objects:{schema.object_type.name}:{action}")
    return schema


async def restriction(caller: Principal, schema: TypeSchema, action: str) -> Any:
    """The row-level policies' filter for `action` (None: unrestricted); no work without policies."""
    if not any(p.action == action for p in schema.policies):
        return None
    return policies.row_filter(schema, action, await policies.context_of(caller, schema))


async def _visible_ids(caller: Principal, schema: TypeSchema, records: list[ObjectRecord]) -> set[str]:
    if not any(p.action == "select" for p in schema.policies):
        return {r.id for r in records}
    context = await policies.context_of(caller, schema)
    return {r.id for r in records if policies.allows(schema, "select", context, policies.api_row(present(schema, r)))}


async def _require_rows(caller: Principal, schema: TypeSchema, action: str, records: list[ObjectRecord], *, refused: bool = False) -> None:
    """Every record passes the `action` policies, or 404 (a row you may not touch looks missing);
    with `refused`, 403 POLICY_VIOLATION (a row you write must satisfy them)."""
    if not any(p.action == action for p in schema.policies):
        return
    context = await policies.context_of(caller, schema)
    for record in records:
        if not policies.allows(schema, action, context, policies.api_row(present(schema, record))):
            if refused:
                raise PolicyViolation(f"The {action} policies of {schema.object_type.name} do not allow this row")
            raise NotFound(f"Object {record.id} not found")


def present(schema: TypeSchema, record: ObjectRecord) -> ObjectRecord:
    """The record as clients see it (exact decimals as strings); itself when it already is."""
    if stored_as_api(schema, record.properties):
        return record
    return record.with_properties(api_properties(schema, record.properties))


# --- reads ---------------------------------------------------------------------------------


async def get_object(principal: Principal | None, type_ref: str, object_id: str) -> ObjectRecord:
    caller = require_scope(principal, "read")
    schema = await _schema_for(caller, type_ref, "read")
    record = await _live(schema, caller.tenant_id, object_id)
    await _require_rows(caller, schema, "select", [record])
    return (await _filter_read(caller, schema, [present(schema, record)]))[0]


async def require_reachable(caller: Principal, type_ref: str, object_id: str, *, action: str = "read", trashed_too: bool = False) -> str:
    """The object's type id, when the caller may `action` objects of its type and the select
    policies let it see the row (for links to it: associations); 404 when missing or hidden."""
    schema = await _schema_for(caller, type_ref, action)
    record = await repository.get(caller.tenant_id, schema.id, object_id, deleted=None if trashed_too else False)
    if record is None:
        raise NotFound(f"Object {object_id} of type {type_ref} not found")
    await _require_rows(caller, schema, "select", [record])
    return schema.id


async def read_many(principal: Principal | None, type_ref: str, object_ids: list[str]) -> list[ObjectRecord]:
    """Live objects among the ids, in the order asked; ids that match nothing are left out."""
    caller = require_scope(principal, "read")
    _check_batch_size("object_ids", object_ids)
    schema = await _schema_for(caller, type_ref, "read")
    found = {r.id: r for r in await repository.by_ids(caller.tenant_id, schema.id, list(dict.fromkeys(object_ids)))}
    visible = await _visible_ids(caller, schema, list(found.values()))
    return await _filter_read(caller, schema, [present(schema, found[i]) for i in dict.fromkeys(object_ids) if i in found and i in visible])


async def list_objects(
    principal: Principal | None,
    type_ref: str,
    *,
    where: Any = None,
    sort: str | None = None,
    order: str | None = None,
    limit: int = LIST_DEFAULT_LIMIT,
    after: str | None = None,
    view_id: str | None = None,
    offset: int = 0,
) -> Page:
    caller = require_scope(principal, "read")
    schema = await _schema_for(caller, type_ref, "read")
    if view_id is not None:
        view = await views.by_id(caller.tenant_id, schema.id, view_id)
        if view is None:
            raise NotFound(f"View {view_id} not found")
        where = [*_as_list(view.filters), *_as_list(where)]
        sort = sort or (view.sort or {}).get("field")
        order = order or (view.sort or {}).get("order")
    query = await hooks.filter_items(caller, "query", schema.object_type.name, {"filter": where, "sort": sort, "order": order, "limit": limit})
    if not isinstance(query, dict):
        query = {}
    where = policies.combine(query.get("filter"), await restriction(caller, schema, "select"))
    page = await repository.page(
        schema, caller.tenant_id, where=where, sort=_sort(schema, query.get("sort"), query.get("order")), limit=_limit(query.get("limit", limit)),
        after=after, offset=offset,
    )
    return replace(page, items=await _filter_read(caller, schema, [present(schema, r) for r in page.items]))


AGGREGATES = ("count", "sum", "avg", "min", "max")


async def aggregate_objects(
    principal: Principal | None, type_ref: str, *, function: str, field: str | None, where: Any = None, group_by: str | None = None,
    max_groups: int = 1000,
) -> Any:
    """A number, or {group: number} with `group_by`; computed in the database."""
    caller = require_scope(principal, "read")
    schema = await _schema_for(caller, type_ref, "read")
    if function not in AGGREGATES:
        raise ValidationError.single("function", f"must be one of {', '.join(AGGREGATES)}")
    if field is None and function != "count":
        raise ValidationError.single("field", f"is required for {function}")
    for name, label in ((field, "field"), (group_by, "group_by")):
        if name is not None and name not in schema.properties:
            raise ValidationError.single(label, f"{name} is not a property of {schema.object_type.name}")
    if field is not None and function != "count" and not DATA_TYPES[schema.properties[field].data_type].numeric:
        raise ValidationError.single("field", f"{field} is not numeric")
    where = policies.combine(where, await restriction(caller, schema, "select"))
    rows = await repository.aggregate(schema, caller.tenant_id, function=function, field=field, where=where, group_by=group_by, max_groups=max_groups)
    if group_by is None:
        return _number(rows[0][1])
    return {str(group) if group is not None else "": _number(value) for group, value in rows}


def _number(value: Any) -> Any:
    """Exact where the database was exact: integral values as int, others as Decimal or float."""
    if isinstance(value, str):  # SQLite's exact decimal aggregates answer text
        value = Decimal(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


async def list_trash(principal: Principal | None, type_ref: str, *, limit: int = LIST_DEFAULT_LIMIT, after: str | None = None) -> Page:
    caller = require_scope(principal, "read")
    schema = await _schema_for(caller, type_ref, "read")
    sort = Sort("deleted_at", "desc", is_property=False)
    where = await restriction(caller, schema, "select")
    page = await repository.page(schema, caller.tenant_id, where=where, sort=sort, limit=_limit(limit), after=after, deleted=True)
    return replace(page, items=[present(schema, r) for r in page.items])


async def list_versions(
    principal: Principal | None, type_ref: str, object_id: str, *, limit: int = VERSIONS_DEFAULT_LIMIT
) -> list[VersionRecord]:
    """Previous versions, newest first (the current state is the object itself)."""
    caller = require_scope(principal, "read")
    if not 1 <= limit <= VERSIONS_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {VERSIONS_MAX_LIMIT}")
    schema = await _schema_for(caller, type_ref, "read")
    current = await repository.get(caller.tenant_id, schema.id, object_id, deleted=None)
    if current is None:
        raise NotFound(f"Object {object_id} not found")
    await _require_rows(caller, schema, "select", [current])
    found = await repository.versions(caller.tenant_id, object_id, limit)
    return [replace(v, properties=api_properties(schema, v.properties)) for v in found]


async def objects_by_ids(tenant_id: str, object_ids: list[str]) -> list[ObjectRecord | None]:
    """Dataloader batch: live objects of any type by id (references, association ends), two queries."""
    found = {r.id: r for r in await repository.by_ids(tenant_id, None, list(dict.fromkeys(object_ids)))}
    type_ids = sorted({r.object_type_id for r in found.values()})
    props = await properties.of_types(tenant_id, type_ids) if type_ids else []
    types = {t: {p.name: p.data_type for p in props if p.object_type_id == t} for t in type_ids}
    presented = {i: replace(r, properties=_typed(types[r.object_type_id], r.properties)) for i, r in found.items()}
    return [presented.get(i) for i in object_ids]


async def readable_by_ids(principal: Principal | None, object_ids: list[str]) -> list[ObjectRecord | None]:
    """`objects_by_ids` for a caller (nested fields: references, association ends): an object of a
    type the caller may not read, or a row its policies hide, comes back as None, like a missing one."""
    caller = require_scope(principal, "read")
    records = await objects_by_ids(caller.tenant_id, object_ids)
    granted = await permissions.granted(caller)
    readable: dict[str, TypeSchema | None] = {}
    for type_id in {r.object_type_id for r in records if r is not None}:
        schema = await load_schema(caller.tenant_id, type_id, caller.schema_version)
        readable[type_id] = schema if permissions.allows(granted, f"objects:{schema.object_type.name}:read") else None
    contexts = {t: await policies.context_of(caller, s) for t, s in readable.items() if s is not None and any(p.action == "select" for p in s.policies)}

    def visible(record: ObjectRecord | None) -> bool:
        if record is None or readable.get(record.object_type_id) is None:
            return False
        schema = readable[record.object_type_id]
        assert schema is not None
        context = contexts.get(record.object_type_id)
        return context is None or policies.allows(schema, "select", context, policies.api_row(record))

    return [r if visible(r) else None for r in records]


def _typed(data_types: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_api(data_types.get(k), v) for k, v in values.items()}


# --- writes --------------------------------------------------------------------------------


async def create_object(principal: Principal | None, type_ref: str, values: Any) -> ObjectRecord:
    caller = require_scope(principal, "write")
    schema = await _schema_for(caller, type_ref, "write")
    values = await hooks.filter_items(caller, "create", schema.object_type.name, values)
    checked = check_properties(schema, values, path="properties", partial=False)
    await _raise_if_invalid([checked], caller.tenant_id)
    row = new_row(schema, caller, checked.values)
    await _require_rows(caller, schema, "insert", [row], refused=True)
    await insert_rows(schema, [row], last=True)
    return present(schema, row)


async def create_many(principal: Principal | None, type_ref: str, items: list[Any]) -> list[str]:
    """All or nothing: any invalid item fails the batch with every item's errors listed."""
    caller = require_scope(principal, "write")
    _check_batch_size("objects", items)
    schema = await _schema_for(caller, type_ref, "write")
    values = [await hooks.filter_items(caller, "create", schema.object_type.name, _item_properties(item)) for item in items]
    checks = [check_properties(schema, v, path=f"objects[{i}].properties", partial=False) for i, v in enumerate(values)]
    duplicates = repeated_unique_values(schema, [(f"objects[{i}].properties", c.values) for i, c in enumerate(checks)])
    await _raise_if_invalid(checks, caller.tenant_id, extra=duplicates)
    rows = [new_row(schema, caller, c.values) for c in checks]
    await _require_rows(caller, schema, "insert", rows, refused=True)
    await insert_rows(schema, rows, last=True)
    return [r.id for r in rows]


async def update_object(
    principal: Principal | None, type_ref: str, object_id: str, values: Any, *, expected_version: int | None = None
) -> ObjectRecord:
    caller = require_scope(principal, "write")
    schema = await _schema_for(caller, type_ref, "write")
    current = await _live(schema, caller.tenant_id, object_id)
    await _require_rows(caller, schema, "update", [current])
    values = await hooks.filter_items(caller, "update", schema.object_type.name, values, keys=[object_id])
    updated = await _apply_patches(schema, caller, [(current, ObjectPatch(object_id, values, expected_version), "properties")])
    await _require_rows(caller, schema, "update", updated, refused=True)  # the new row must pass too (the transaction rolls back)
    return present(schema, updated[0])


async def update_many(principal: Principal | None, type_ref: str, patches: list[ObjectPatch]) -> list[ObjectRecord]:
    caller = require_scope(principal, "write")
    _check_batch_size("updates", patches)
    schema = await _schema_for(caller, type_ref, "write")
    ids = [p.object_id for p in patches]
    if len(set(ids)) != len(ids):
        raise ValidationError.single("updates", "each object may appear only once per batch")
    found = {r.id: r for r in await repository.by_ids(caller.tenant_id, schema.id, ids)}
    missing = [FieldError(f"updates[{i}].object_id", f"object {p.object_id} not found") for i, p in enumerate(patches) if p.object_id not in found]
    if missing:
        raise ValidationError(missing)
    await _require_rows(caller, schema, "update", list(found.values()))
    patches = [
        replace(p, properties=await hooks.filter_items(caller, "update", schema.object_type.name, p.properties, keys=[p.object_id])) for p in patches
    ]
    work = [(found[p.object_id], p, f"updates[{i}].properties") for i, p in enumerate(patches)]
    updated = await _apply_patches(schema, caller, work)
    await _require_rows(caller, schema, "update", updated, refused=True)
    return updated


async def delete_object(
    principal: Principal | None,
    type_ref: str,
    object_id: str,
    *,
    runtime: Runtime,
    force: bool = False,
    confirm_token: str | None = None,
) -> str:
    """Soft delete to the trash; `force` deletes for good (secure deletion when associations exist)."""
    caller = require_scope(principal, "write")
    schema = await _schema_for(caller, type_ref, "delete")
    await hooks.filter_items(caller, "delete", schema.object_type.name, [object_id], keys=[object_id], permanent=force)
    if not force:
        current = await _live(schema, caller.tenant_id, object_id)
        await _require_rows(caller, schema, "delete", [current])
        if not await repository.set_deleted(caller.tenant_id, current.id, _now()):
            raise NotFound(f"Object {object_id} not found")
        await events.deleted(schema, current, caller.actor, permanent=False)
        return object_id
    current_or_trashed = await repository.get(caller.tenant_id, schema.id, object_id, deleted=None)
    if current_or_trashed is None:
        raise NotFound(f"Object {object_id} not found")
    await _require_rows(caller, schema, "delete", [current_or_trashed])
    links = await repository.association_count(caller.tenant_id, object_id)
    await guard_delete(
        secret_key=runtime.secret_key,
        tenant_id=caller.tenant_id,
        resource_type="object",
        resource_id=object_id,
        dependencies=[Dependency("associations", links, "associations to or from this object")],
        force=force,
        confirm_token=confirm_token,
    )
    await repository.purge(caller.tenant_id, object_id)
    await events.deleted(schema, current_or_trashed, caller.actor, permanent=True)
    await audit.record(caller, "object.purged", "object", object_id, before={"object_type_id": schema.id, "associations": links})
    return object_id


async def restore_object(principal: Principal | None, type_ref: str, object_id: str) -> ObjectRecord:
    caller = require_scope(principal, "write")
    schema = await _schema_for(caller, type_ref, "write")
    trashed = await repository.get(caller.tenant_id, schema.id, object_id, deleted=True)
    if trashed is None:
        raise NotFound(f"Object {object_id} is not in the trash")
    await _require_rows(caller, schema, "update", [trashed])
    try:
        await repository.set_deleted(caller.tenant_id, object_id, None)
    except IntegrityError as exc:
        raise _duplicate(schema, exc) from None
    restored = await _live(schema, caller.tenant_id, object_id)
    await events.restored(schema, restored, caller.actor)
    return present(schema, restored)


# --- shared steps --------------------------------------------------------------------------


async def _filter_read(caller: Principal, schema: TypeSchema, records: list[ObjectRecord]) -> list[ObjectRecord]:
    """items.read filters see the records as flat items (`{id, ...properties}`) and may change
    what the caller gets back (mask a field, add a computed one); the id stays."""
    if not records or not await hooks.has_filters(caller, "read", schema.object_type.name):
        return records  # the items are built only for filters that will read them
    items = [{**r.properties, "id": r.id} for r in records]
    filtered = await hooks.filter_items(caller, "read", schema.object_type.name, items, keys=[r.id for r in records])
    if filtered is items:
        return records
    if not isinstance(filtered, list) or len(filtered) != len(records) or not all(isinstance(i, dict) for i in filtered):
        raise HookFailed("An items.read hook must return the list of items it was given, one object per item")
    return [r.with_properties({k: v for k, v in i.items() if k != "id"}) for r, i in zip(records, filtered)]


async def _live(schema: TypeSchema, tenant_id: str, object_id: str) -> ObjectRecord:
    found = await repository.get(tenant_id, schema.id, object_id)
    if found is None:
        raise NotFound(f"Object {object_id} not found")
    return found


async def _apply_patches(schema: TypeSchema, caller: Principal, work: list[tuple[ObjectRecord, ObjectPatch, str]]) -> list[ObjectRecord]:
    checks = [check_properties(schema, patch.properties, path=path, partial=True) for _, patch, path in work]
    conflicts = [
        FieldError(path.rsplit(".", 1)[0] + ".expected_version", f"is {patch.expected_version} but the object is at version {current.version}")
        for current, patch, path in work
        if patch.expected_version is not None and patch.expected_version != current.version
    ]
    if conflicts:
        raise VersionConflict(details=[c.as_dict() for c in conflicts])
    await _raise_if_invalid(checks, caller.tenant_id)
    results = []
    for (current, _, _), checked in zip(work, checks):
        results.append(await _write_version(schema, caller, current, merged(current.properties, checked.values)))
    return results


async def _write_version(schema: TypeSchema, caller: Principal, current: ObjectRecord, values: dict[str, Any]) -> ObjectRecord:
    actor = caller.actor
    now = _now()
    kept = {"object_id": current.id, "version": current.version, "properties": api_properties(schema, current.properties)}
    await hooks.filter_event(caller, HookEvent(("versions.create",), {"event": "versions.create", "collection": schema.object_type.name, "keys": [current.id]}), kept)
    try:
        await repository.keep_version(current, new_id("ver"))
        written = await repository.update_if_version(caller.tenant_id, current.id, current.version, values, actor, now)
    except IntegrityError as exc:
        if UNIQUE_INDEX.search(str(exc)):
            raise _duplicate(schema, exc) from None
        raise VersionConflict(details={"object_id": current.id}) from None
    if not written:
        raise VersionConflict(details={"object_id": current.id})
    updated = replace(current, properties=values, version=current.version + 1, updated_by=actor, updated_at=now)
    await events.updated(schema, current, updated, actor)
    return updated


async def _raise_if_invalid(checks: list[Checked], tenant_id: str, extra: list[FieldError] | None = None) -> None:
    errors = [e for c in checks for e in c.errors] + list(extra or [])
    references = [ref for c in checks for ref in c.references]
    if references:
        existing = await repository.existing_ids(tenant_id, {object_id for _, object_id in references})
        errors.extend(FieldError(path, f"object {object_id} does not exist") for path, object_id in references if object_id not in existing)
    if errors:
        raise ValidationError(errors)


def repeated_unique_values(schema: TypeSchema, items: list[tuple[str, dict[str, Any]]]) -> list[FieldError]:
    """Unique properties repeated within one batch (the database would reject the batch anyway)."""
    errors = []
    for name, prop in schema.properties.items():
        if not prop.is_unique:
            continue
        seen: dict[str, str] = {}
        for path, values in items:
            if name in values:
                key = repr(values[name])
                if key in seen:
                    errors.append(FieldError(f"{path}.{name}", f"repeats the value of {seen[key]}.{name}, which must be unique"))
                else:
                    seen[key] = path
    return errors


def new_row(schema: TypeSchema, caller: Principal, values: dict[str, Any]) -> ObjectRecord:
    now = _now()
    actor = caller.actor
    return ObjectRecord(
        id=new_id("obj"),
        tenant_id=caller.tenant_id,
        object_type_id=schema.id,
        properties=values,
        version=1,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )


async def insert_rows(schema: TypeSchema, rows: list[ObjectRecord], *, last: bool = False) -> None:
    """Every object is created here: the plan's quota, then the INSERTs.
    `last`: the caller writes nothing after these rows (`db.last_write`)."""
    if not rows:
        return
    await quota.reserve(rows[0].tenant_id, len(rows))
    try:
        if len(rows) <= repository.INSERT_ROWS:  # one statement with the events
            sql = db.Sql(db.dialect())
            async with db.last_write() if last else nullcontext():
                await events.created(schema, rows, rows[0].created_by, alongside=(repository.insert_sql(rows, sql), sql))
            return
        await repository.insert(rows)
    except IntegrityError as exc:
        raise _duplicate(schema, exc) from None
    await events.created(schema, rows, rows[0].created_by)


def _duplicate(schema: TypeSchema, exc: Exception) -> DuplicateValue:
    match = UNIQUE_INDEX.search(str(exc))
    names = [p.name for p in schema.properties.values() if match and p.id == match.group(1)]
    if names:
        return DuplicateValue(f"Another object already has this '{names[0]}'", details={"property": names[0]})
    return DuplicateValue()



def _sort(schema: TypeSchema, key: str | None, order: str | None) -> Sort:
    key = key or "created_at"
    order = (order or ("desc" if key in SYSTEM_SORTS else "asc")).lower()
    if order not in ORDERS:
        raise ValidationError.single("order", "must be asc or desc")
    if key in SYSTEM_SORTS:
        return Sort(key, order, is_property=False)
    prop = schema.properties.get(key)
    if prop is None or not prop.is_sortable:
        sortable = [*SYSTEM_SORTS, *(p.name for p in schema.properties.values() if p.is_sortable)]
        raise ValidationError.single("sort", f"must be one of: {', '.join(sortable)} (mark a property is_sortable to sort by it)")
    return Sort(db.safe_name(prop.name), order, is_property=True, data_type=prop.data_type)


def _limit(limit: int) -> int:
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {LIST_MAX_LIMIT}")
    return limit


def _check_batch_size(field: str, items: list[Any]) -> None:
    if not items:
        raise ValidationError.single(field, "must hold at least one item")
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationError.single(field, f"must hold at most {BATCH_MAX_ITEMS} items (got {len(items)})")


def _item_properties(item: Any) -> Any:
    return item.get("properties") if isinstance(item, dict) and "properties" in item else item


def _as_list(where: Any) -> list[Any]:
    if where in (None, {}, []):
        return []
    return list(where) if isinstance(where, list) else [where]


def _now() -> datetime:
    return datetime.now(timezone.utc)
