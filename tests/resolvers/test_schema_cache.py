"""The per-process type-schema cache never serves a schema older than the request's start.

Principals carry the tenant's `schema_version` as authentication read it; these tests build
them the same way (`authenticated`), so what they show is what a request sees.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from resolvers import db
from resolvers.api_keys.service import authenticate
from resolvers.errors import NotFound, ValidationError
from resolvers.object_types.service import update_type
from resolvers.objects import schema_cache
from resolvers.objects.service import create_object, get_object, load_schema
from resolvers.principal import Principal
from resolvers.properties.schemas import PropertyCreate
from resolvers.properties.service import create_property
from resolvers.runtime import Runtime
from tests.support import TenantHandle, make_type


async def authenticated(tenant: TenantHandle, runtime: Runtime) -> Principal:
    return await authenticate(tenant.token, client_ip="127.0.0.1", runtime=runtime)


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    return app.state.runtime


async def test_a_property_added_in_this_process_applies_to_a_principal_authenticated_before(
    tenant: TenantHandle, runtime: Runtime
) -> None:
    type_id = await make_type(tenant, "deals", [{"name": "name", "data_type": "string"}])
    caller = await authenticated(tenant, runtime)
    await create_object(caller, type_id, {"name": "first"})  # the schema is cached now

    await create_property(caller, type_id, PropertyCreate(name="score", data_type="integer"))

    with pytest.raises(ValidationError) as raised:
        await create_object(caller, type_id, {"name": "second", "score": "many"})
    assert [e["field"] for e in raised.value.details] == ["properties.score"]


async def test_a_change_committed_by_another_process_shows_on_the_next_request(tenant: TenantHandle, runtime: Runtime) -> None:
    """Another process changes the schema: it bumps the version but cannot touch our cache."""
    type_id = await make_type(tenant, "deals", [{"name": "name", "data_type": "string"}])
    before = await authenticated(tenant, runtime)
    assert "score" not in (await load_schema(tenant.tenant_id, type_id, before.schema_version)).properties

    cached = dict(schema_cache._entries)
    await create_property(before, type_id, PropertyCreate(name="score", data_type="integer"))
    schema_cache._entries.update(cached)  # as if the change had happened in another process

    still_old = await load_schema(tenant.tenant_id, type_id, before.schema_version)
    after = await authenticated(tenant, runtime)
    current = await load_schema(tenant.tenant_id, type_id, after.schema_version)

    assert after.schema_version == before.schema_version + 1
    assert "score" not in still_old.properties  # a request authenticated before the change
    assert current.properties["score"].data_type == "integer"


async def test_a_transaction_that_changed_the_schema_neither_reads_nor_fills_the_cache(
    tenant: TenantHandle, runtime: Runtime
) -> None:
    type_id = await make_type(tenant, "deals", [{"name": "name", "data_type": "string"}])
    caller = await authenticated(tenant, runtime)

    class Abort(Exception):
        """Leaves the transaction, which rolls it back."""

    with pytest.raises(Abort):
        async with in_transaction():
            await create_property(caller, type_id, PropertyCreate(name="score", data_type="integer"))
            inside = await load_schema(tenant.tenant_id, type_id, caller.schema_version)
            assert "score" in inside.properties  # its own uncommitted change
            raise Abort  # rolled back: nobody may ever see `score`

    again = await authenticated(tenant, runtime)
    after = await load_schema(tenant.tenant_id, type_id, again.schema_version)

    assert again.schema_version == caller.schema_version
    assert "score" not in after.properties
    assert all(version == caller.schema_version and "score" not in schema.properties for version, schema in schema_cache._entries.values() if schema.id == type_id)


async def test_a_renamed_type_is_not_found_under_its_old_name(tenant: TenantHandle, runtime: Runtime) -> None:
    type_id = await make_type(tenant, "deals", [{"name": "name", "data_type": "string"}])
    caller = await authenticated(tenant, runtime)
    object_id = (await create_object(caller, "deals", {"name": "x"})).id  # cached under the name

    await update_type(caller, type_id, {"name": "opportunities"})

    with pytest.raises(NotFound):
        await get_object(caller, "deals", object_id)
    assert (await get_object(caller, "opportunities", object_id)).id == object_id


async def test_the_version_lives_in_the_tenant_row(tenant: TenantHandle, runtime: Runtime) -> None:
    before = await authenticated(tenant, runtime)
    await make_type(tenant, "deals")

    sql = db.Sql(db.dialect())
    rows = await db.fetch(f"SELECT schema_version FROM tenants WHERE id = {sql.param(tenant.tenant_id)}", sql.params)

    assert int(rows[0]["schema_version"]) == before.schema_version + 1
