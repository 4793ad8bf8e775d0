"""API key authentication reads the key's row on every request, so a change to the key or its
tenant applies to the very next one; only turning an unchanged row into a principal is kept
(`repository.credential`, `service._principal_of`)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from models.tenants import Tenant
from resolvers.api_keys import repository
from resolvers.api_keys.schemas import KeyCreate
from resolvers.api_keys.service import authenticate, create_key, revoke_key, update_key
from resolvers.errors import TenantSuspended, Unauthorized
from resolvers.runtime import Runtime
from tests.support import TenantHandle, principal_of


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    return app.state.runtime


async def test_an_unchanged_key_is_built_once_and_a_changed_one_again(tenant: TenantHandle, runtime: Runtime) -> None:
    owner = principal_of(tenant)
    created = await create_key(owner, KeyCreate(label="reader", scopes=["read"]))
    first = await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime)
    assert await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime) is first

    await update_key(owner, created.key.id, {"scopes": ["read", "write"]})
    widened = await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime)
    assert widened is not first and widened.scopes == frozenset({"read", "write"})


async def test_a_revoked_key_is_refused_on_the_next_request(tenant: TenantHandle, runtime: Runtime) -> None:
    owner = principal_of(tenant)
    created = await create_key(owner, KeyCreate(label="short-lived", scopes=["read"]))
    await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime)
    await revoke_key(owner, created.key.id, runtime=runtime)
    with pytest.raises(Unauthorized, match="revoked"):
        await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime)


async def test_a_suspended_tenant_is_refused_on_the_next_request(tenant: TenantHandle, runtime: Runtime) -> None:
    await authenticate(tenant.token, client_ip="127.0.0.1", runtime=runtime)
    await Tenant.filter(id=tenant.tenant_id).update(status="suspended")
    with pytest.raises(TenantSuspended):
        await authenticate(tenant.token, client_ip="127.0.0.1", runtime=runtime)


async def test_credentials_kept_are_bounded(tenant: TenantHandle, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "CREDENTIALS_KEPT", 2)
    owner = principal_of(tenant)
    for label in ("a", "b", "c", "d"):
        created = await create_key(owner, KeyCreate(label=label, scopes=["read"]))
        await authenticate(created.token, client_ip="127.0.0.1", runtime=runtime)
    assert len(repository._credentials) <= 2
