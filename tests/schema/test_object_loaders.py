"""Nested object fields are batched per request: the query count does not grow with the page."""

from __future__ import annotations

from contextlib import AbstractContextManager

from tests.support import Api, SqlLog, TenantHandle, logged_sql, make_objects, make_type

NESTED_QUERY = """
query($type: ID!, $first: Int!) {
  objects(objectTypeId: $type, first: $first) {
    totalCount
    edges { node { id ref(property: "employer") { id properties }
                   associations(direction: "outgoing") { associationType toObject { id properties } } } }
  }
}"""


def _counted(message: str) -> bool:
    """The SELECTs (writes such as last-used stamps are throttled, so left out; so is the
    runtime-hook cache's reread, once per tenant and process every half second whatever the
    request count, see resolvers/hooks/emitter.py)."""
    return message.upper().startswith("SELECT") and 'FROM "runtime_hooks"' not in message


def counted_queries() -> AbstractContextManager[SqlLog]:
    return logged_sql(_counted)


async def _graph(tenant: TenantHandle, people_count: int) -> str:
    companies = await make_type(tenant, f"companies_{people_count}", [{"name": "name", "data_type": "string"}])
    people = await make_type(
        tenant, f"people_{people_count}", [{"name": "name", "data_type": "string"}, {"name": "employer", "data_type": "reference"}]
    )
    firm_ids = await make_objects(tenant, companies, [{"name": f"firm {i}"} for i in range(5)])
    person_ids = await make_objects(tenant, people, [{"name": f"p{i}", "employer": firm_ids[i % 5]} for i in range(people_count)])
    from models.associations import Association
    from resolvers.ids import new_id

    for i, person in enumerate(person_ids):
        await Association.create(
            id=new_id("asc"), tenant_id=tenant.tenant_id, from_type=people, from_id=person,
            association_type="works_at", to_type=companies, to_id=firm_ids[i % 5], meta={},
        )
    return people


async def _run(api: Api, tenant: TenantHandle, type_id: str, first: int) -> tuple[dict, int]:
    with counted_queries() as counter:
        result = await api.gql(NESTED_QUERY, tenant.token, type=type_id, first=first)
    return result, len(counter.statements)


async def test_listing_100_objects_with_nested_fields_costs_a_constant_number_of_queries(api: Api, tenant: TenantHandle) -> None:
    small = await _graph(tenant, 10)
    large = await _graph(tenant, 100)

    small_result, small_queries = await _run(api, tenant, small, 10)
    large_result, large_queries = await _run(api, tenant, large, 100)

    edges = large_result["data"]["objects"]["edges"]
    assert len(edges) == 100
    assert all(e["node"]["ref"]["properties"]["name"].startswith("firm") for e in edges)
    assert all(len(e["node"]["associations"]) == 1 and e["node"]["associations"][0]["toObject"] for e in edges)
    assert small_result["data"]["objects"]["totalCount"] == 10
    # key with tenant, type with properties and its policies, the page with its total, which types have select
    # policies (association ends the caller may read), associations, referenced objects + their properties, and
    # the referenced type's schema with its policies (may the caller read them?)
    assert large_queries == small_queries == 10
