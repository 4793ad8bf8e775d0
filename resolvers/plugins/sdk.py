"""The SDK file-based extensions get in `register(sdk)`: hooks, items services, routes.

Extensions are operator code (trusted, loaded at start): their handlers run in the server process.
Everything they touch still goes through the services, scoped to the tenant of the request or
event they handle, with that caller's scopes and policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.hooks.bridge import Services, item
from resolvers.hooks.emitter import accountability, current
from resolvers.principal import Principal


class ItemsService:
    """One collection's objects for one principal: Directus' ItemsService, in Python."""

    def __init__(self, collection: str, principal: Principal) -> None:
        runtime = current()
        if runtime is None:
            raise RuntimeError("items services work inside a request, hook or route handler")
        self.collection = collection
        self._services = Services(principal, runtime)

    async def read_by_query(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return await self._services.read_by_query(self.collection, query or {})

    async def read_one(self, object_id: str) -> dict[str, Any] | None:
        return await self._services.read_one(self.collection, object_id)

    async def create_one(self, data: dict[str, Any]) -> str:
        return await self._services.create_one(self.collection, data)

    async def update_one(self, object_id: str, data: dict[str, Any]) -> str:
        return await self._services.update_one(self.collection, object_id, data)

    async def delete_one(self, object_id: str) -> str:
        return await self._services.delete_one(self.collection, object_id)


@dataclass(frozen=True)
class HookContext:
    """What a Python hook handler gets as `context`."""

    principal: Principal
    accountability: dict[str, Any]

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    @classmethod
    def of(cls, principal: Principal) -> "HookContext":
        return cls(principal, accountability(principal))

    def items(self, collection: str) -> ItemsService:
        return ItemsService(collection, self.principal)


__all__ = ["HookContext", "ItemsService", "item"]
