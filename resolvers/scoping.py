"""The one tenant-scoping helper. Every query on a tenant-owned model starts here.

`scoped(Model, tenant_id)` is the only way services build a queryset over tenant data, so a
query cannot forget the tenant. The single deliberate exception is looking a credential up by
the hash of its secret (`api_keys.repository.credential`), where the tenant is what we are
about to learn.
"""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.errors import NotFound

M = TypeVar("M", bound=Model)


def scoped(model: type[M], tenant_id: str) -> QuerySet[M]:
    if not tenant_id:
        raise RuntimeError(f"unscoped query on {model.__name__}: tenant_id is empty")
    return model.filter(tenant_id=tenant_id)


async def get_scoped(model: type[M], tenant_id: str, object_id: str, *, label: str) -> M:
    """One row of this tenant, or 404: another tenant's id looks exactly like a missing one."""
    row = await scoped(model, tenant_id).get_or_none(id=object_id)
    if row is None:
        raise NotFound(f"{label} {object_id} not found")
    return row
