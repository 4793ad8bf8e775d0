"""Object types: create, rename, list, and the destructive delete behind secure deletion.

Clients may name a type by id (`ot_…`) or by name (`contacts`) wherever a path takes a type.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from models.object_types import ObjectType
from models.properties import Property
from resolvers.audit import service as audit
from resolvers.authz import require_principal, require_scope
from resolvers.errors import AlreadyExists, NotFound, QuotaExceeded, ValidationError
from resolvers.ids import new_id
from resolvers.object_types import events, repository
from resolvers.object_types.schemas import (
    MAX_DISPLAY_NAME,
    MAX_TYPES_PER_TENANT,
    TYPE_NAME,
    TypeCreate,
    TypePatch,
)
from resolvers.objects.schema_cache import schema_changed
from resolvers.principal import Principal
from resolvers.properties import indexes
from resolvers.runtime import Runtime
from resolvers.scoping import scoped
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete

DEPENDENCY_LABELS = {
    "objects": "objects of this type",
    "properties": "properties defined on it",
    "views": "saved views",
    "associations": "associations to or from its objects",
}


async def list_types(principal: Principal | None) -> list[ObjectType]:
    caller = require_principal(principal)
    return await repository.all_types(caller.tenant_id)


async def get_type(principal: Principal | None, ref: str) -> ObjectType:
    caller = require_principal(principal)
    return await resolve(caller.tenant_id, ref)


async def resolve(tenant_id: str, ref: str) -> ObjectType:
    """A type of this tenant by id or name, or 404."""
    found = await (repository.by_id(tenant_id, ref) if ref.startswith("ot_") else repository.by_name(tenant_id, ref))
    if found is None:
        raise NotFound(f"Object type {ref} not found")
    return found


async def create_type(principal: Principal | None, data: TypeCreate) -> ObjectType:
    caller = require_scope(principal, "schema")
    name = _checked_name(data.name)
    display_name = _checked_display_name(data.display_name) if data.display_name else _title(name)
    if await repository.count(caller.tenant_id) >= MAX_TYPES_PER_TENANT:
        raise QuotaExceeded(f"A tenant can have at most {MAX_TYPES_PER_TENANT} object types")
    await _ensure_name_free(caller.tenant_id, name)
    try:
        created = await ObjectType.create(id=new_id("ot"), tenant_id=caller.tenant_id, name=name, display_name=display_name)
    except IntegrityError as exc:  # a concurrent create won the race for the name
        raise AlreadyExists(f"An object type named '{name}' already exists") from exc
    await schema_changed(caller.tenant_id)
    await events.record("created", created, caller)
    await audit.record(caller, "object_type.created", "object_type", created.id, after={"name": name, "display_name": display_name})
    return created


async def update_type(principal: Principal | None, ref: str, patch: TypePatch) -> ObjectType:
    caller = require_scope(principal, "schema")
    found = await resolve(caller.tenant_id, ref)
    before = {"name": found.name, "display_name": found.display_name}
    if "name" in patch and patch["name"] != found.name:
        found.name = _checked_name(patch["name"])
        await _ensure_name_free(caller.tenant_id, found.name)
    if "display_name" in patch:
        found.display_name = _checked_display_name(patch["display_name"])
    await found.save()
    await schema_changed(caller.tenant_id)
    await events.record("updated", found, caller, changed=[k for k, v in before.items() if getattr(found, k) != v])
    await audit.record(caller, "object_type.updated", "object_type", found.id, before=before, after={"name": found.name, "display_name": found.display_name})
    return found


async def delete_type(
    principal: Principal | None, ref: str, *, runtime: Runtime, force: bool = False, confirm_token: str | None = None
) -> str:
    """Destroys the type with its properties, objects, versions, views and associations."""
    caller = require_scope(principal, "schema")
    found = await resolve(caller.tenant_id, ref)
    counts = await repository.dependency_counts(caller.tenant_id, found.id)
    await guard_delete(
        secret_key=runtime.secret_key,
        tenant_id=caller.tenant_id,
        resource_type="object_type",
        resource_id=found.id,
        dependencies=[Dependency(kind, counts[kind], DEPENDENCY_LABELS[kind]) for kind in DEPENDENCY_LABELS],
        force=force,
        confirm_token=confirm_token,
    )
    for prop in await scoped(Property, caller.tenant_id).filter(object_type_id=found.id):
        await indexes.drop(prop)
    await repository.delete_everything(caller.tenant_id, found.id)
    await schema_changed(caller.tenant_id)
    await events.record("deleted", found, caller)
    await audit.record(caller, "object_type.deleted", "object_type", found.id, before={"name": found.name}, after={"forced": force, **counts})
    return found.id


def _checked_name(name: str) -> str:
    if not TYPE_NAME.match(name or ""):
        raise ValidationError.single("name", "must start with a lower-case letter and use only a-z, 0-9 and _ (max 63)")
    return name


def _checked_display_name(display_name: str | None) -> str:
    text = (display_name or "").strip()
    if not text or len(text) > MAX_DISPLAY_NAME:
        raise ValidationError.single("display_name", f"must be 1 to {MAX_DISPLAY_NAME} characters")
    return text


def _title(name: str) -> str:
    return name.replace("_", " ").strip().title()


async def _ensure_name_free(tenant_id: str, name: str) -> None:
    if await repository.by_name(tenant_id, name) is not None:
        raise AlreadyExists(f"An object type named '{name}' already exists")
