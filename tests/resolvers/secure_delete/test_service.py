"""The shared secure-deletion mechanism, independent of any domain."""

from __future__ import annotations

import time

import pytest

from models.secure_delete import ConfirmToken
from resolvers.secure_delete import service
from resolvers.secure_delete.schemas import Dependency, DependencyExists
from tests.support import TenantHandle

SECRET = "s" * 40


async def guard(tenant: TenantHandle, resource_id: str, *, count: int = 3, force: bool = False, token: str | None = None) -> None:
    await service.guard_delete(
        secret_key=SECRET,
        tenant_id=tenant.tenant_id,
        resource_type="widget",
        resource_id=resource_id,
        dependencies=[Dependency("gadgets", count, "Gadgets"), Dependency("empty", 0, "Nothing")],
        force=force,
        confirm_token=token,
    )


async def test_no_dependencies_means_no_confirmation(tenant: TenantHandle) -> None:
    assert await guard(tenant, "w1", count=0) is None  # proceeds without a 409
    assert await ConfirmToken.filter(tenant_id=tenant.tenant_id).count() == 0  # and spends nothing


async def test_dependencies_are_counted_and_a_token_confirms_once(tenant: TenantHandle) -> None:
    with pytest.raises(DependencyExists) as raised:
        await guard(tenant, "w2")
    assert raised.value.extra()["dependencies"] == [{"type": "gadgets", "count": 3, "label": "Gadgets"}]
    token = raised.value.confirm_token
    with pytest.raises(DependencyExists):
        await guard(tenant, "w2", token=token)  # a token without force does nothing
    await guard(tenant, "w2", force=True, token=token)
    with pytest.raises(DependencyExists, match="already used"):
        await guard(tenant, "w2", force=True, token=token)


async def test_token_is_bound_to_tenant_and_resource(tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    with pytest.raises(DependencyExists) as raised:
        await guard(tenant, "w3")
    token = raised.value.confirm_token
    with pytest.raises(DependencyExists):
        await guard(tenant, "another", force=True, token=token)
    with pytest.raises(DependencyExists):
        await guard(other_tenant, "w3", force=True, token=token)
    with pytest.raises(DependencyExists):
        await guard(tenant, "w3", force=True, token=token[:-2] + "xx")


async def test_token_expires_after_five_minutes(tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DependencyExists) as raised:
        await guard(tenant, "w4")
    later = time.time() + 301
    monkeypatch.setattr(service.time, "time", lambda: later)
    with pytest.raises(DependencyExists):
        await guard(tenant, "w4", force=True, token=raised.value.confirm_token)
