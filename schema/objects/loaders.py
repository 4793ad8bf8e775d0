"""Per-request dataloaders for nested object fields: one batch query per field, never one per row."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from resolvers.associations.service import associations_of
from resolvers.objects.service import readable_by_ids


def object_loader(info: Info) -> DataLoader[str, Any]:
    """Live objects of any type of the caller's tenant that the caller may read, by id, as `ObjectNode`s."""
    from schema.objects.types import ObjectNode

    principal = info.context.principal

    async def load(ids: list[str]) -> list[Any]:
        return [ObjectNode.from_record(r) if r else None for r in await readable_by_ids(principal, list(ids))]

    return info.context.loaders.get("objects_by_id", lambda: DataLoader(load))


def associations_loader(info: Info, direction: str, association_type: str | None, first: int) -> DataLoader[str, Any]:
    """Each object's first associations; one loader (one query) per distinct argument set."""
    from schema.associations.types import AssociationNode

    principal = info.context.principal

    async def load(ids: list[str]) -> list[Any]:
        grouped = await associations_of(principal, list(ids), direction=direction, association_type=association_type, first=first)
        return [[AssociationNode.from_record(r) for r in group] for group in grouped]

    key = f"associations:{direction}:{association_type}:{first}"
    return info.context.loaders.get(key, lambda: DataLoader(load))
