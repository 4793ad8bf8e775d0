"""A plain JSON POST to /graphql skips Strawberry's pipeline (`_answer_plain_post`) and must
answer byte for byte what the pipeline answers: each case is sent twice, once each way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from graphql_api.graphql_view import BasaltGraphQL
from resolvers import db
from schema.build import BasaltSchema
from tests.support import TenantHandle, make_type

VOLATILE = {"id", "createdAt", "updatedAt", "request_id"}  # differ between two runs of a create


def comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "…" if k in VOLATILE else comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


async def both_ways(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle, body: Any, accept: str = "*/*"
) -> tuple[Any, Any]:
    """(status, JSON) answered directly, then by Strawberry's pipeline."""
    headers = {**tenant.auth, "Accept": accept}
    direct = await client.post("/graphql", json=body, headers=headers)

    async def never(self: BasaltGraphQL, request: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(BasaltGraphQL, "_answer_plain_post", never)
        pipeline = await client.post("/graphql", json=body, headers=headers)
    return (direct.status_code, comparable(direct.json())), (pipeline.status_code, comparable(pipeline.json()))


GET = "query Get($t: ID!, $id: ID!) { object(objectTypeId: $t, id: $id) { id properties version isDeleted } }"
CASES: dict[str, Any] = {
    "a query": {"query": "{ health { status } }"},
    "a query with variables": {"query": "query K($n: Int) { apiKeys(limit: $n) { label scopes } }", "variables": {"n": 5}},
    "a resolver error": {"query": GET, "variables": {"t": "notes", "id": "obj_missing0000"}},
    "a variable of the wrong type": {"query": GET, "variables": {"t": "notes", "id": 12.5}},
    "a missing variable": {"query": GET, "variables": {"t": "notes"}},
    "one of two operations by name": {"query": "query A { health { status } } query B { __typename }", "operationName": "B"},
    "an unknown operation name": {"query": "query A { health { status } }", "operationName": "Nope"},
    "two operations and no name": {"query": "query A { health { status } } query B { __typename }"},
    "a mutation": {"query": 'mutation { createObject(objectTypeId: "notes", properties: {title: "Hi"}) { id properties version } }'},
    "a mutation that fails": {"query": 'mutation { createObject(objectTypeId: "notes", properties: {title: 5}) { id } }'},
    "a mutation failing in its second field": {
        "query": 'mutation { a: createObject(objectTypeId: "notes", properties: {title: "A"}) { id }'
        ' b: createObject(objectTypeId: "nope", properties: {}) { id } }'
    },
    "a syntax error": {"query": "{ health { status "},
    "a validation error": {"query": "{ noSuchField }"},
    "no query": {"variables": {}},
    "variables that are not an object": {"query": "{ health { status } }", "variables": [1]},
    "an extra key": {"query": "{ health { status } }", "extensions": {"persistedQuery": None}},
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_plain_post_answers_what_the_pipeline_answers(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle, case: str
) -> None:
    await make_type(tenant, "notes", [{"name": "title", "data_type": "string"}])
    direct, pipeline = await both_ways(client, monkeypatch, tenant, CASES[case])
    assert direct == pipeline


async def test_a_plain_query_does_not_go_through_strawberrys_execute(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle
) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pipeline ran")

    monkeypatch.setattr(BasaltSchema, "execute", refuse)
    response = await client.post("/graphql", json={"query": "{ health { status } }"}, headers=tenant.auth)
    assert response.status_code == 200 and response.json()["data"]["health"]["status"] == "ok"


async def test_a_failed_mutation_rolls_back_on_the_direct_path_too(client: httpx.AsyncClient, tenant: TenantHandle) -> None:
    await make_type(tenant, "notes", [{"name": "title", "data_type": "string"}])
    body = {
        "query": 'mutation { a: createObject(objectTypeId: "notes", properties: {title: "Kept?"}) { id }'
        ' b: createObject(objectTypeId: "notes", properties: {title: 5}) { id } }'
    }
    failed = (await client.post("/graphql", json=body, headers=tenant.auth)).json()
    listed = (await client.post("/graphql", json={"query": '{ objects(objectTypeId: "notes") { totalCount } }'}, headers=tenant.auth)).json()
    assert failed["data"] is None and failed["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert listed["data"]["objects"]["totalCount"] == 0


@pytest.mark.parametrize("variables", [{"t": "notes", "id": 12.5}, {"t": "notes"}])
async def test_a_variable_value_its_type_refuses_is_a_validation_error(
    client: httpx.AsyncClient, tenant: TenantHandle, variables: dict[str, Any]
) -> None:
    answer = (await client.post("/graphql", json={"query": GET, "variables": variables}, headers=tenant.auth)).json()
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "status": 400}
    assert error["message"].startswith("Variable '$id'")


async def test_a_failure_outside_any_field_is_answered_alike(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle
) -> None:
    await make_type(tenant, "notes", [{"name": "title", "data_type": "string"}])

    @asynccontextmanager
    async def failing_commit(*, one_unit: bool = False) -> AsyncIterator[None]:
        yield
        raise RuntimeError("could not commit")

    monkeypatch.setattr(db, "transaction", failing_commit)
    direct, pipeline = await both_ways(client, monkeypatch, tenant, CASES["a mutation"])
    assert direct == pipeline
    assert direct[1]["data"] is None and direct[1]["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"


@pytest.mark.parametrize("accept", ["text/event-stream", "multipart/mixed;subscriptionSpec=1.0", "application/json"])
async def test_a_post_asking_for_a_stream_is_answered_as_the_pipeline_answers_it(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tenant: TenantHandle, accept: str
) -> None:
    """No streaming transport is configured (`subscription_protocols` is graphql-transport-ws only)."""
    direct, pipeline = await both_ways(client, monkeypatch, tenant, {"query": "{ health { status } }"}, accept=accept)
    assert direct == pipeline and direct[1]["data"]["health"]["status"] == "ok"
