"""Saved views: a named filter (the list filter language), sort and columns for one type.

Filters are compiled against the schema when saved, so a view that lists fine today was valid
when it was stored; `GET …/list?view_id=` applies it.
"""

from __future__ import annotations

from typing import Any

from models.views import SavedView
from resolvers import db
from resolvers.authz import require_scope
from resolvers.errors import FieldError, NotFound, QuotaExceeded, ValidationError
from resolvers.ids import new_id
from resolvers.objects.filters import compile_filter
from resolvers.objects.schemas import ORDERS, SYSTEM_SORTS, TypeSchema
from resolvers.objects.service import load_schema
from resolvers.principal import Principal
from resolvers.views import repository
from resolvers.views.schemas import MAX_COLUMNS, MAX_NAME, MAX_VIEWS_PER_TYPE, SYSTEM_COLUMNS, ViewCreate, ViewPatch


async def list_views(principal: Principal | None, type_ref: str) -> list[SavedView]:
    caller = require_scope(principal, "read")
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    return await repository.of_type(caller.tenant_id, schema.id)


async def create_view(principal: Principal | None, type_ref: str, data: ViewCreate) -> SavedView:
    caller = require_scope(principal, "write")
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    if await repository.count(caller.tenant_id, schema.id) >= MAX_VIEWS_PER_TYPE:
        raise QuotaExceeded(f"An object type can have at most {MAX_VIEWS_PER_TYPE} saved views")
    view = SavedView(
        id=new_id("view"),
        tenant_id=caller.tenant_id,
        object_type_id=schema.id,
        name=data.name,
        filters=_as_list(data.filters),
        sort=data.sort or {},
        columns=data.columns or [],
        created_by=caller.actor,
    )
    _check(schema, view)
    await view.save(force_create=True)
    return view


async def update_view(principal: Principal | None, type_ref: str, view_id: str, patch: ViewPatch) -> SavedView:
    caller = require_scope(principal, "write")
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    view = await _get(caller.tenant_id, schema, view_id)
    if "name" in patch:
        view.name = patch["name"]
    if "filters" in patch:
        view.filters = _as_list(patch["filters"])
    if "sort" in patch:
        view.sort = patch["sort"] or {}
    if "columns" in patch:
        view.columns = patch["columns"] or []
    _check(schema, view)
    await view.save()
    return view


async def delete_view(principal: Principal | None, type_ref: str, view_id: str) -> str:
    caller = require_scope(principal, "write")
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    view = await _get(caller.tenant_id, schema, view_id)
    await view.delete()
    return view.id


async def _get(tenant_id: str, schema: TypeSchema, view_id: str) -> SavedView:
    view = await repository.by_id(tenant_id, schema.id, view_id)
    if view is None:
        raise NotFound(f"View {view_id} not found")
    return view


def _check(schema: TypeSchema, view: SavedView) -> None:
    errors: list[FieldError] = []
    if not (view.name or "").strip() or len(view.name) > MAX_NAME:
        errors.append(FieldError("name", f"must be 1 to {MAX_NAME} characters"))
    errors.extend(_sort_errors(schema, view.sort))
    known = set(SYSTEM_COLUMNS) | set(schema.properties)
    if len(view.columns) > MAX_COLUMNS:
        errors.append(FieldError("columns", f"at most {MAX_COLUMNS} columns"))
    errors.extend(FieldError(f"columns[{i}]", f"'{c}' is not a property of {schema.object_type.name}") for i, c in enumerate(view.columns) if c not in known)
    if errors:
        raise ValidationError(errors)
    compile_filter(view.filters, schema, db.Sql(db.dialect()), label="filters")


def _sort_errors(schema: TypeSchema, sort: dict[str, Any]) -> list[FieldError]:
    if not sort:
        return []
    unknown = set(sort) - {"field", "order"}
    if unknown:
        return [FieldError("sort", 'must look like {"field": "score", "order": "desc"}')]
    field = sort.get("field")
    prop = schema.properties.get(field) if isinstance(field, str) else None
    errors = []
    if field not in SYSTEM_SORTS and (prop is None or not prop.is_sortable):
        errors.append(FieldError("sort.field", "must be created_at, updated_at or a sortable property"))
    if sort.get("order") is not None and sort.get("order") not in ORDERS:
        errors.append(FieldError("sort.order", "must be asc or desc"))
    return errors


def _as_list(filters: Any) -> list[Any]:
    if filters in (None, {}, []):
        return []
    return list(filters) if isinstance(filters, list) else [filters]
