"""Installed plugins, always tenant-scoped."""

from __future__ import annotations

from models.plugins import Plugin
from resolvers.scoping import scoped


async def plugins_of(tenant_id: str) -> list[Plugin]:
    return await scoped(Plugin, tenant_id).order_by("name")


async def plugin(tenant_id: str, plugin_id: str) -> Plugin | None:
    return await scoped(Plugin, tenant_id).get_or_none(id=plugin_id)


async def by_name(tenant_id: str, name: str) -> Plugin | None:
    return await scoped(Plugin, tenant_id).get_or_none(name=name)
