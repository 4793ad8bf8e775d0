"""The request transaction's after-actions: what runs after commit, and what stays whatever the outcome."""

from __future__ import annotations

import pytest

from models.tenants import Tenant
from resolvers import db
from tests.support import TenantHandle


class Boom(Exception):
    """Fails the transaction on purpose."""


async def rename(tenant_id: str, name: str) -> None:
    await Tenant.filter(id=tenant_id).update(name=name)


async def test_an_action_that_must_stay_survives_the_rollback_and_runs_after_it(tenant: TenantHandle) -> None:
    seen_during: list[str] = []

    async def mark() -> None:
        seen_during.append((await Tenant.get(id=tenant.tenant_id)).name)  # the rollback already happened
        await rename(tenant.tenant_id, "kept")

    with pytest.raises(Boom):
        async with db.transaction():
            await rename(tenant.tenant_id, "rolled back")
            await db.even_if_rolled_back(mark)
            assert seen_during == []  # not yet: the transaction is still open
            raise Boom
    assert seen_during != ["rolled back"] and (await Tenant.get(id=tenant.tenant_id)).name == "kept"


async def test_the_action_also_runs_after_a_commit_and_at_once_outside_a_transaction(tenant: TenantHandle) -> None:
    async with db.transaction():
        await db.even_if_rolled_back(lambda: rename(tenant.tenant_id, "after commit"))
    assert (await Tenant.get(id=tenant.tenant_id)).name == "after commit"
    await db.even_if_rolled_back(lambda: rename(tenant.tenant_id, "at once"))
    assert (await Tenant.get(id=tenant.tenant_id)).name == "at once"
