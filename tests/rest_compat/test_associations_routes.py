"""Associations: create-or-replace, delete, list by direction and type, paging, limits, isolation."""

from __future__ import annotations

from tests.support import Api, TenantHandle, data, error_code, gql_code, make_objects, make_type


async def _people_and_companies(tenant: TenantHandle) -> tuple[str, list[str], str, list[str]]:
    people = await make_type(tenant, "people", [{"name": "name", "data_type": "string"}])
    companies = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    person_ids = await make_objects(tenant, people, [{"name": f"p{i}"} for i in range(3)])
    company_ids = await make_objects(tenant, companies, [{"name": f"c{i}"} for i in range(2)])
    return people, person_ids, companies, company_ids


async def test_put_creates_then_replaces_meta(api: Api, tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    path = f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/{firms[0]}"
    first = data(await api.rest("PUT", path, tenant.token, json={"meta": {"role": "cto"}}))
    assert (first["from_id"], first["to_id"], first["association_type"], first["meta"]) == (persons[0], firms[0], "works_at", {"role": "cto"})
    again = data(await api.rest("PUT", path, tenant.token, json={"meta": {"role": "ceo"}}))
    assert again["id"] == first["id"] and again["meta"] == {"role": "ceo"}

    by_name = f"/v1/objects/people/{persons[1]}/associations/works_at/companies/{firms[0]}"
    assert data(await api.rest("PUT", by_name, tenant.token, json={}))["meta"] == {}

    assert data(await api.rest("DELETE", path, tenant.token)) == {"deleted": True}
    assert error_code(await api.rest("DELETE", path, tenant.token)) == "NOT_FOUND"


async def test_both_ends_must_exist_in_the_tenant(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    missing = await api.rest("PUT", f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/obj_nope1234", tenant.token)
    assert missing.status_code == 404
    wrong_type = await api.rest("PUT", f"/v1/objects/{companies}/{persons[0]}/associations/works_at/{companies}/{firms[0]}", tenant.token)
    assert wrong_type.status_code == 404
    await api.rest("DELETE", f"/v1/objects/{companies}/{firms[1]}", tenant.token)  # trashed: not a valid end
    trashed = await api.rest("PUT", f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/{firms[1]}", tenant.token)
    assert trashed.status_code == 404

    path = f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/{firms[0]}"
    assert (await api.rest("PUT", path, tenant.token)).status_code == 200
    for method in ("PUT", "DELETE"):
        assert error_code(await api.rest(method, path, other_tenant.token)) == "NOT_FOUND"
    assert error_code(await api.rest("GET", f"/v1/objects/{people}/{persons[0]}/associations", other_tenant.token)) == "NOT_FOUND"


async def test_meta_over_10kb_is_413_and_bad_names_are_400(api: Api, tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    path = f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/{firms[0]}"
    too_big = await api.rest("PUT", path, tenant.token, json={"meta": {"blob": "x" * 11_000}})
    assert too_big.status_code == 413 and error_code(too_big) == "PAYLOAD_TOO_LARGE"
    not_object = await api.rest("PUT", path, tenant.token, json={"meta": [1, 2]})
    assert not_object.status_code == 400
    bad_type = await api.rest("PUT", path.replace("works_at", "Works-At"), tenant.token)
    assert bad_type.status_code == 400 and error_code(bad_type) == "VALIDATION_ERROR"


async def test_list_by_direction_type_and_cursor(api: Api, tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    for person in persons:
        await api.rest("PUT", f"/v1/objects/{people}/{person}/associations/works_at/{companies}/{firms[0]}", tenant.token)
    await api.rest("PUT", f"/v1/objects/{companies}/{firms[0]}/associations/partner/{companies}/{firms[1]}", tenant.token)

    base = f"/v1/objects/{companies}/{firms[0]}/associations"
    incoming = data(await api.rest("GET", base, tenant.token, params={"direction": "incoming"}))
    assert incoming["total"] == 3 and {a["from_id"] for a in incoming["results"]} == set(persons)
    outgoing = data(await api.rest("GET", base, tenant.token, params={"direction": "outgoing"}))
    assert [a["to_id"] for a in outgoing["results"]] == [firms[1]]
    both = data(await api.rest("GET", base, tenant.token))
    assert both["total"] == 4
    typed = data(await api.rest("GET", base, tenant.token, params={"association_type": "partner"}))
    assert typed["total"] == 1

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = data(await api.rest("GET", base, tenant.token, params=params))
        seen += [a["id"] for a in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and len(set(seen)) == 4

    bad = await api.rest("GET", base, tenant.token, params={"direction": "sideways"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"


async def test_force_deleting_an_object_removes_its_associations(api: Api, tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    await api.rest("PUT", f"/v1/objects/{people}/{persons[0]}/associations/works_at/{companies}/{firms[0]}", tenant.token)
    refused = await api.rest("DELETE", f"/v1/objects/{companies}/{firms[0]}", tenant.token, params={"force": "true"})
    assert refused.status_code == 409 and error_code(refused) == "DEPENDENCY_EXISTS"
    token = refused.json()["error"]["confirm_token"]
    params = {"force": "true", "confirm_token": token}
    assert data(await api.rest("DELETE", f"/v1/objects/{companies}/{firms[0]}", tenant.token, params=params))["deleted"] is True
    left = data(await api.rest("GET", f"/v1/objects/{people}/{persons[0]}/associations", tenant.token))
    assert left["total"] == 0


async def test_graphql_put_and_nested_ends(api: Api, tenant: TenantHandle) -> None:
    people, persons, companies, firms = await _people_and_companies(tenant)
    result = await api.gql(
        """mutation($f: ID!, $fi: ID!, $t: ID!, $ti: ID!) {
             putAssociation(fromType: $f, fromId: $fi, associationType: "works_at", toType: $t, toId: $ti, meta: {since: 2020}) {
               meta toObject { id properties } fromObject { id }
             }
           }""",
        tenant.token, f=people, fi=persons[0], t=companies, ti=firms[0],
    )
    put = result["data"]["putAssociation"]
    assert put["meta"] == {"since": 2020} and put["toObject"] == {"id": firms[0], "properties": {"name": "c0"}}
    assert put["fromObject"]["id"] == persons[0]

    listed = await api.gql(
        "query($t: ID!, $i: ID!) { associations(type: $t, id: $i, direction: \"outgoing\") { total results { toId } } }",
        tenant.token, t=people, i=persons[0],
    )
    assert listed["data"]["associations"] == {"total": 1, "results": [{"toId": firms[0]}]}
    missing = await api.gql("query($t: ID!) { associations(type: $t, id: \"obj_none1234\") { total } }", tenant.token, t=people)
    assert gql_code(missing) == "NOT_FOUND"
