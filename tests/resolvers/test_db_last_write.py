"""A one-unit request transaction sends BEGIN before its first statement, and a lone last write
runs on its own (`db.last_write`): atomic by itself, so no BEGIN and no COMMIT.

"Committed on its own" is observed from outside: a second connection sees the row while the
request's transaction block is still open. Inside a real transaction it could not."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx
import pytest
from graphql import parse
from tortoise.exceptions import IntegrityError, TransactionManagementError

from resolvers import db
from resolvers.errors import DuplicateValue
from resolvers.objects.service import create_object
from schema.extensions import is_one_unit
from tests.support import TenantHandle, make_type, pool, principal_of, request_connection

pytestmark = pytest.mark.postgres_only

RENAME = "UPDATE tenants SET name = $2 WHERE id = $1"


async def name_seen_elsewhere(tenant: TenantHandle) -> str:
    """The tenant's name as a separate pooled connection sees it (committed data only)."""
    async with pool().acquire() as other:
        return str(await other.fetchval("SELECT name FROM tenants WHERE id = $1", tenant.tenant_id))


async def object_seen_elsewhere(object_id: str) -> bool:
    async with pool().acquire() as other:
        return bool(await other.fetchval("SELECT count(*) FROM objects WHERE id = $1", object_id))


async def current_schema_version(tenant: TenantHandle) -> int:
    async with pool().acquire() as other:
        return int(await other.fetchval("SELECT schema_version FROM tenants WHERE id = $1", tenant.tenant_id))


class Failed(Exception):
    """Ends a transaction block with an error."""


async def test_a_lone_last_write_commits_on_its_own_before_the_block_ends(tenant: TenantHandle) -> None:
    woken: list[str] = []
    async with request_connection():
        async with db.transaction(one_unit=True):
            db.on_commit(lambda: woken.append("relay"))
            async with db.last_write():
                await db.execute(RENAME, [tenant.tenant_id, "Alone"])
            during = await name_seen_elsewhere(tenant)
            assert woken == []  # callbacks still wait for the block's end

    assert during == "Alone"
    assert woken == ["relay"]


async def test_a_read_before_the_last_write_opens_the_transaction_so_both_are_one(tenant: TenantHandle) -> None:
    before = await name_seen_elsewhere(tenant)
    async with request_connection():
        with pytest.raises(Failed):
            async with db.transaction(one_unit=True):
                await db.fetch("SELECT 1 AS one")
                async with db.last_write():
                    await db.execute(RENAME, [tenant.tenant_id, "Joined"])
                assert await name_seen_elsewhere(tenant) == before  # not committed yet
                raise Failed

    assert await name_seen_elsewhere(tenant) == before  # rolled back with the rest


async def test_without_one_unit_a_last_write_is_an_ordinary_statement_of_the_transaction(tenant: TenantHandle) -> None:
    before = await name_seen_elsewhere(tenant)
    async with request_connection():
        with pytest.raises(Failed):
            async with db.transaction():
                async with db.last_write():
                    await db.execute(RENAME, [tenant.tenant_id, "Ordinary"])
                assert await name_seen_elsewhere(tenant) == before
                raise Failed

    assert await name_seen_elsewhere(tenant) == before


async def test_a_second_statement_inside_last_write_is_refused(tenant: TenantHandle) -> None:
    async with request_connection():
        for one_unit in (True, False):
            with pytest.raises(TransactionManagementError):
                async with db.transaction(one_unit=one_unit):
                    async with db.last_write():
                        await db.execute(RENAME, [tenant.tenant_id, "First"])
                        await db.execute(RENAME, [tenant.tenant_id, "Second"])


async def test_a_nested_transaction_opens_the_outer_one_first_and_rolls_back_alone(tenant: TenantHandle) -> None:
    async with request_connection():
        async with db.transaction(one_unit=True):
            with pytest.raises(Failed):
                async with db.transaction():  # a savepoint: the outer BEGIN must precede it
                    await db.execute(RENAME, [tenant.tenant_id, "Inner"])
                    raise Failed
            await db.execute(RENAME, [tenant.tenant_id, "Outer"])
            assert await name_seen_elsewhere(tenant) != "Outer"  # one transaction, not committed yet

    assert await name_seen_elsewhere(tenant) == "Outer"


async def test_no_nested_transaction_after_the_last_write(tenant: TenantHandle) -> None:
    async with request_connection():
        with pytest.raises(TransactionManagementError):
            async with db.transaction(one_unit=True):
                async with db.last_write():
                    await db.execute(RENAME, [tenant.tenant_id, "Last"])
                async with db.transaction():
                    await db.execute(RENAME, [tenant.tenant_id, "After"])

    assert await name_seen_elsewhere(tenant) == "Last"


async def test_a_failure_after_a_lone_write_is_logged_and_still_wakes_the_callbacks(
    tenant: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    woken: list[str] = []
    async with request_connection():
        with caplog.at_level(logging.WARNING, logger="basalt.db"), pytest.raises(Failed):
            async with db.transaction(one_unit=True):
                db.on_commit(lambda: woken.append("relay"))
                async with db.last_write():
                    await db.execute(RENAME, [tenant.tenant_id, "Kept"])
                raise Failed

    assert await name_seen_elsewhere(tenant) == "Kept"  # it had committed: nothing to roll back
    assert woken == ["relay"]
    assert "after its only statement committed on its own" in caplog.text


async def test_creating_an_object_in_a_one_unit_transaction_is_one_statement_on_its_own(tenant: TenantHandle) -> None:
    await make_type(tenant, "notes", [{"name": "title", "data_type": "string"}])
    caller = replace(principal_of(tenant), schema_version=await current_schema_version(tenant))  # as authentication reads it
    await create_object(caller, "notes", {"title": "First"})  # the type's schema and the quota's count are read now
    async with request_connection():
        async with db.transaction(one_unit=True):
            created = await create_object(caller, "notes", {"title": "Hello"})
            assert await object_seen_elsewhere(created.id)


async def test_a_create_that_reads_first_keeps_the_read_and_the_write_in_one_transaction(tenant: TenantHandle) -> None:
    companies = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    await make_type(tenant, "people", [{"name": "employer", "data_type": "reference"}])
    caller = principal_of(tenant)
    employer = await create_object(caller, companies, {"name": "Acme"})
    async with request_connection():
        async with db.transaction(one_unit=True):
            person = await create_object(caller, "people", {"employer": employer.id})  # checks the reference first
            assert not await object_seen_elsewhere(person.id)

    assert await object_seen_elsewhere(person.id)


@pytest.mark.parametrize(
    ("document", "one_unit"),
    [
        ("mutation { createObject(objectTypeId: \"t\", properties: {}) { id version } }", True),
        ("mutation { deleteObject(objectTypeId: \"t\", id: \"o\") }", True),
        ("mutation { a: deleteObject(objectTypeId: \"t\", id: \"o\") b: deleteObject(objectTypeId: \"t\", id: \"p\") }", False),
        ("mutation { createObject(objectTypeId: \"t\", properties: {}) { id owner { id } } }", False),
        ("mutation { createObject(objectTypeId: \"t\", properties: {}) { ... on ObjectRecord { id } } }", False),
        ("query { objects(objectTypeId: \"t\") { totalCount } }", False),
    ],
)
def test_one_unit_is_one_root_mutation_field_answered_with_leaves(document: str, one_unit: bool) -> None:
    assert is_one_unit(parse(document), None) is one_unit


async def test_a_lone_write_that_fails_changed_nothing_and_leaves_the_transaction_usable(
    tenant: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    woken: list[str] = []
    async with request_connection():
        with caplog.at_level(logging.WARNING, logger="basalt.db"):
            async with db.transaction(one_unit=True):
                db.on_commit(lambda: woken.append("relay"))
                with pytest.raises(IntegrityError):
                    async with db.last_write():
                        await db.execute("UPDATE tenants SET id = NULL WHERE id = $1", [tenant.tenant_id])
                await db.execute(RENAME, [tenant.tenant_id, "Afterwards"])
                assert await name_seen_elsewhere(tenant) != "Afterwards"  # in a transaction again

    assert await name_seen_elsewhere(tenant) == "Afterwards"
    assert woken == ["relay"]  # the transaction committed: once, at its end
    assert "committed on its own" not in caplog.text


async def test_a_duplicate_create_is_409_with_no_word_of_a_lone_commit(
    tenant: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    await make_type(tenant, "codes", [{"name": "code", "data_type": "string", "is_unique": True}])
    caller = replace(principal_of(tenant), schema_version=await current_schema_version(tenant))
    await create_object(caller, "codes", {"code": "A-1"})
    async with request_connection():
        with caplog.at_level(logging.WARNING, logger="basalt.db"), pytest.raises(DuplicateValue):
            async with db.transaction(one_unit=True):
                await create_object(caller, "codes", {"code": "A-1"})

    assert "committed on its own" not in caplog.text


@pytest.mark.parametrize("via", ["REST", "GraphQL"])
async def test_a_create_over_http_opens_no_transaction(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle, via: str
) -> None:
    type_id = await make_type(tenant, "notes", [{"name": "title", "data_type": "string"}])

    async def create() -> httpx.Response:
        if via == "REST":
            return await client.post(f"/v1/objects/{type_id}", json={"properties": {"title": "Hi"}}, headers=tenant.auth)
        query = f'mutation {{ createObject(objectTypeId: "{type_id}", properties: {{title: "Hi"}}) {{ id }} }}'
        return await client.post("/graphql", json={"query": query}, headers=tenant.auth)

    await create()  # the type's schema and the quota's count are read now, in a transaction
    opened: list[str] = []
    real_open = db.RequestTransaction._open

    async def spy(self: db.RequestTransaction) -> None:
        opened.append("BEGIN")
        await real_open(self)

    monkeypatch.setattr(db.RequestTransaction, "_open", spy)
    response = await create()
    assert response.status_code in (200, 201) and "errors" not in response.json()
    assert opened == []
