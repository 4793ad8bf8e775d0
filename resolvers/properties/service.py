"""Properties: typed fields of an object type, each backed by real indexes when asked.

Name and data type are fixed at creation: changing them would silently re-type stored values.
Deleting a property keeps its values, which become untyped keys of the objects' properties.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from models.properties import Property
from resolvers.audit import service as audit
from resolvers.authz import require_principal, require_scope
from resolvers.errors import (
    AlreadyExists,
    Conflict,
    FieldError,
    NotFound,
    QuotaExceeded,
    ValidationError,
)
from resolvers.ids import new_id
from resolvers.object_types.service import resolve as resolve_type
from resolvers.objects.schema_cache import schema_changed
from resolvers.principal import Principal
from resolvers.properties import events, indexes, repository
from resolvers.properties.datatypes import (
    DATA_TYPES,
    InvalidValue,
    Rules,
    normalize,
    to_api,
)
from resolvers.properties.schemas import (
    MAX_DESCRIPTION,
    MAX_ENUM_VALUE_LENGTH,
    MAX_ENUM_VALUES,
    MAX_PROPERTIES_PER_TYPE,
    PROPERTY_NAME,
    RESERVED_NAMES,
    PropertyCreate,
    PropertyPatch,
)

ENUM_TYPES = ("enum", "multi_enum")


async def list_properties(principal: Principal | None, type_ref: str) -> list[Property]:
    caller = require_principal(principal)
    object_type = await resolve_type(caller.tenant_id, type_ref)
    return await repository.of_type(caller.tenant_id, object_type.id)


async def create_property(principal: Principal | None, type_ref: str, data: PropertyCreate) -> Property:
    caller = require_scope(principal, "schema")
    object_type = await resolve_type(caller.tenant_id, type_ref)
    errors: list[FieldError] = []
    if not PROPERTY_NAME.match(data.name or "") or data.name in RESERVED_NAMES:
        errors.append(FieldError("name", "must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ and not be a reserved name"))
    if data.data_type not in DATA_TYPES:
        errors.append(FieldError("data_type", f"must be one of: {', '.join(DATA_TYPES)}"))
    if errors:
        raise ValidationError(errors)
    prop = Property(
        id=new_id("prop"),
        tenant_id=caller.tenant_id,
        object_type_id=object_type.id,
        name=data.name,
        data_type=data.data_type,
        is_indexed=data.is_indexed,
        is_sortable=data.is_sortable,
        is_unique=data.is_unique,
        is_required=data.is_required,
        enum_values=data.enum_values,
        description=data.description,
    )
    prop.default_value = data.default_value  # not through __init__: it would parse a str as JSON text
    _check_settings(prop)
    if await repository.count(caller.tenant_id, object_type.id) >= MAX_PROPERTIES_PER_TYPE:
        raise QuotaExceeded(f"An object type can have at most {MAX_PROPERTIES_PER_TYPE} properties")
    if await repository.by_name(caller.tenant_id, object_type.id, prop.name) is not None:
        raise AlreadyExists(f"Property '{prop.name}' already exists on {object_type.name}")
    await _ensure_required_satisfied(prop)
    try:
        await prop.save(force_create=True)
    except IntegrityError as exc:
        raise AlreadyExists(f"Property '{prop.name}' already exists on {object_type.name}") from exc
    await indexes.sync(prop)
    await schema_changed(caller.tenant_id)
    await events.record("created", prop, caller)
    await audit.record(caller, "property.created", "property", prop.id, after={"name": prop.name, "data_type": prop.data_type, "object_type_id": prop.object_type_id})
    return prop


async def update_property(principal: Principal | None, type_ref: str, property_id: str, patch: PropertyPatch) -> Property:
    caller = require_scope(principal, "schema")
    prop = await _get(caller.tenant_id, type_ref, property_id)
    fixed = [FieldError(k, "cannot be changed; create a new property instead") for k in ("name", "data_type") if k in patch and patch[k] != getattr(prop, k)]  # type: ignore[literal-required]
    if fixed:
        raise ValidationError(fixed)
    newly_required = patch.get("is_required") and not prop.is_required
    before = {key: getattr(prop, key) for key in events.SETTINGS}
    for key in ("is_indexed", "is_sortable", "is_unique", "is_required", "default_value", "enum_values", "description"):
        if key in patch:
            setattr(prop, key, patch[key])  # type: ignore[literal-required]
    _check_settings(prop)
    if newly_required:
        await _ensure_required_satisfied(prop)
    await prop.save()
    await indexes.sync(prop)
    await schema_changed(caller.tenant_id)
    await events.record("updated", prop, caller, changed=[k for k, v in before.items() if getattr(prop, k) != v])
    await audit.record(caller, "property.updated", "property", prop.id, before=before, after={k: getattr(prop, k) for k in before})
    return prop


async def delete_property(principal: Principal | None, type_ref: str, property_id: str) -> str:
    caller = require_scope(principal, "schema")
    prop = await _get(caller.tenant_id, type_ref, property_id)
    await indexes.drop(prop)
    await prop.delete()
    await schema_changed(caller.tenant_id)
    await events.record("deleted", prop, caller)
    await audit.record(caller, "property.deleted", "property", prop.id, before={"name": prop.name, "data_type": prop.data_type})
    return prop.id


async def _get(tenant_id: str, type_ref: str, property_id: str) -> Property:
    object_type = await resolve_type(tenant_id, type_ref)
    prop = await repository.by_id(tenant_id, object_type.id, property_id)
    if prop is None:
        raise NotFound(f"Property {property_id} not found")
    return prop


def _check_settings(prop: Property) -> None:
    """Flags the type supports, enum values where needed, a default the type accepts."""
    kind = DATA_TYPES[prop.data_type]
    errors: list[FieldError] = []
    if prop.is_unique and not kind.uniqueable:
        errors.append(FieldError("is_unique", f"is not supported for {prop.data_type} properties"))
    if (prop.is_sortable or prop.is_indexed) and not kind.sortable:
        errors.append(FieldError("is_sortable" if prop.is_sortable else "is_indexed", f"is not supported for {prop.data_type} properties"))
    errors.extend(_enum_errors(prop))
    if prop.description is not None and len(prop.description) > MAX_DESCRIPTION:
        errors.append(FieldError("description", f"must be at most {MAX_DESCRIPTION} characters"))
    if not errors and prop.default_value is not None:
        errors.extend(_default_errors(prop))
    if errors:
        raise ValidationError(errors)


def _enum_errors(prop: Property) -> list[FieldError]:
    values = prop.enum_values
    if prop.data_type not in ENUM_TYPES:
        return [FieldError("enum_values", "only enum and multi_enum properties take enum_values")] if values else []
    if not values:
        return [FieldError("enum_values", f"{prop.data_type} properties need a non-empty list of values")]
    if len(values) > MAX_ENUM_VALUES or any(not v or len(v) > MAX_ENUM_VALUE_LENGTH for v in values):
        return [FieldError("enum_values", f"at most {MAX_ENUM_VALUES} values of 1 to {MAX_ENUM_VALUE_LENGTH} characters")]
    if len(set(values)) != len(values):
        return [FieldError("enum_values", "must not repeat a value")]
    return []


def _default_errors(prop: Property) -> list[FieldError]:
    if prop.is_unique:
        return [FieldError("default_value", "a unique property cannot have a default (every object would share it)")]
    if prop.data_type == "reference":
        return [FieldError("default_value", "reference properties cannot have a default")]
    try:
        prop.default_value = normalize(prop.data_type, prop.default_value, rules_for(prop))
    except InvalidValue as exc:
        return [FieldError("default_value", str(exc))]
    return []


def rules_for(prop: Property, *, from_text: bool = False) -> Rules:
    return Rules(enum_values=tuple(prop.enum_values or ()), from_text=from_text)


async def _ensure_required_satisfied(prop: Property) -> None:
    if not prop.is_required:
        return
    missing = await repository.live_objects_missing(prop.tenant_id, prop.object_type_id, prop.name)
    if missing:
        raise Conflict(f"{missing} existing object(s) have no value for '{prop.name}'; fill them in before making it required")


def api_default(prop: Property) -> Any:
    return None if prop.default_value is None else to_api(prop.data_type, prop.default_value)
