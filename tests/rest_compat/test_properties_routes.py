"""Properties group: every route over REST and the same operation over GraphQL, and the real
indexes behind is_indexed / is_unique."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from tests.conftest import ON_POSTGRES
from tests.support import Api, TenantHandle, bearer, data, error_code, gql_code, make_objects, make_type, property_indexes

PROPERTY_KEYS = {
    "id", "object_type_id", "name", "data_type", "is_indexed", "is_sortable", "is_unique", "is_required",
    "default_value", "enum_values", "description", "created_at", "updated_at",
}


def details(response: httpx.Response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["error"]["details"]}


def props_path(type_ref: str) -> str:
    return f"/v1/object-types/{type_ref}/properties"


async def add(api: Api, tenant: TenantHandle, type_ref: str, **spec: Any) -> dict[str, Any]:
    return data(await api.rest("POST", props_path(type_ref), tenant.token, json=spec), 201)


def value_expression(name: str) -> str:
    """How each dialect writes a property's value inside an index definition."""
    return f"properties -> '{name}'" if ON_POSTGRES else f"json_extract(properties, '$.{name}')"


# --- create and list -----------------------------------------------------------------------


async def test_create_several_data_types_and_list_them_oldest_first(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    email = await add(api, tenant, type_id, name="email", data_type="email", description="Work address")
    assert set(email) == PROPERTY_KEYS
    assert email["id"].startswith("prop_") and email["object_type_id"] == type_id
    assert email["data_type"] == "email" and email["description"] == "Work address" and email["enum_values"] is None
    assert (email["is_indexed"], email["is_sortable"], email["is_unique"], email["is_required"]) == (False, False, False, False)

    score = await add(api, tenant, type_id, name="score", data_type="integer", is_sortable=True, default_value=0)
    price = await add(api, tenant, "contacts", name="price", data_type="decimal", default_value="9.90")  # by type name
    stage = await add(api, tenant, type_id, name="stage", data_type="enum", enum_values=["lead", "won", "lost"], default_value="lead")
    await add(api, tenant, type_id, name="active", data_type="boolean", default_value=True)
    await add(api, tenant, type_id, name="born", data_type="date")
    await add(api, tenant, type_id, name="tags", data_type="multi_enum", enum_values=["a", "b"])
    await add(api, tenant, type_id, name="meta", data_type="json")
    assert score["default_value"] == 0 and score["is_sortable"] is True
    assert price["default_value"] == "9.90"  # exact decimals come back as strings
    assert stage["enum_values"] == ["lead", "won", "lost"] and stage["default_value"] == "lead"

    listed = data(await api.rest("GET", props_path(type_id), tenant.token))
    assert [p["name"] for p in listed] == ["email", "score", "price", "stage", "active", "born", "tags", "meta"]
    assert listed[0] == email
    assert data(await api.rest("GET", props_path("contacts"), tenant.token)) == listed


async def test_graphql_equivalents(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    created = await api.gql(
        "mutation($type: ID!, $input: CreatePropertyInput!) { createProperty(objectTypeId: $type, input: $input) "
        "{ id name dataType isUnique enumValues defaultValue } }",
        tenant.token,
        type=type_id,
        input={"name": "stage", "dataType": "enum", "enumValues": ["lead", "won"], "defaultValue": "lead"},
    )
    node = created["data"]["createProperty"]
    assert node["name"] == "stage" and node["dataType"] == "enum" and node["enumValues"] == ["lead", "won"]
    assert node["defaultValue"] == "lead" and node["isUnique"] is False

    listed = await api.gql("query($type: ID!) { properties(objectTypeId: $type) { id name } }", tenant.token, type=type_id)
    assert listed["data"]["properties"] == [{"id": node["id"], "name": "stage"}]

    updated = await api.gql(
        'mutation($type: ID!, $id: ID!) { updateProperty(objectTypeId: $type, id: $id, input: {isIndexed: true, description: "Sales stage"}) '
        "{ isIndexed description } }",
        tenant.token,
        type=type_id,
        id=node["id"],
    )
    assert updated["data"]["updateProperty"] == {"isIndexed": True, "description": "Sales stage"}

    fixed = await api.gql(
        'mutation($type: ID!, $id: ID!) { updateProperty(objectTypeId: $type, id: $id, input: {dataType: "string"}) { id } }',
        tenant.token,
        type=type_id,
        id=node["id"],
    )
    assert gql_code(fixed) == "VALIDATION_ERROR"
    assert fixed["errors"][0]["extensions"]["details"][0]["field"] == "data_type"

    deleted = await api.gql(
        "mutation($type: ID!, $id: ID!) { deleteProperty(objectTypeId: $type, id: $id) { id deleted } }", tenant.token, type=type_id, id=node["id"]
    )
    assert deleted["data"]["deleteProperty"] == {"id": node["id"], "deleted": True}
    assert (await api.gql("query($type: ID!) { properties(objectTypeId: $type) { id } }", tenant.token, type=type_id))["data"]["properties"] == []


# --- validation ----------------------------------------------------------------------------


async def test_enum_needs_values_and_other_types_refuse_them(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    for body in (
        {"name": "stage", "data_type": "enum"},
        {"name": "stage", "data_type": "enum", "enum_values": []},
        {"name": "stage", "data_type": "multi_enum", "enum_values": ["a", "a"]},
        {"name": "stage", "data_type": "enum", "enum_values": ["a", ""]},
        {"name": "stage", "data_type": "string", "enum_values": ["a", "b"]},
    ):
        response = await api.rest("POST", props_path(type_id), tenant.token, json=body)
        assert response.status_code == 400, body
        assert error_code(response) == "VALIDATION_ERROR" and set(details(response)) == {"enum_values"}, body
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == []


async def test_default_value_must_fit_the_type(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    for body in (
        {"name": "score", "data_type": "integer", "default_value": "lots"},
        {"name": "score", "data_type": "integer", "default_value": 1.5},
        {"name": "stage", "data_type": "enum", "enum_values": ["lead", "won"], "default_value": "lost"},
        {"name": "born", "data_type": "date", "default_value": "tomorrow"},
        {"name": "active", "data_type": "boolean", "default_value": "yes"},
        {"name": "site", "data_type": "url", "default_value": "ftp://example.com"},
        {"name": "code", "data_type": "string", "is_unique": True, "default_value": "X"},  # all would share it
    ):
        response = await api.rest("POST", props_path(type_id), tenant.token, json=body)
        assert response.status_code == 400, body
        assert error_code(response) == "VALIDATION_ERROR" and set(details(response)) == {"default_value"}, body

    prop = await add(api, tenant, type_id, name="score", data_type="integer")
    bad = await api.rest("PATCH", f"{props_path(type_id)}/{prop['id']}", tenant.token, json={"default_value": "lots"})
    assert bad.status_code == 400 and set(details(bad)) == {"default_value"}
    assert data(await api.rest("GET", props_path(type_id), tenant.token))[0]["default_value"] is None


async def test_a_default_is_applied_when_an_object_omits_the_key(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals")
    await add(api, tenant, type_id, name="stage", data_type="enum", enum_values=["lead", "won"], default_value="lead")
    await add(api, tenant, type_id, name="code", data_type="string", default_value="123")  # text, not a number
    await add(api, tenant, type_id, name="seats", data_type="integer", default_value=3)
    await add(api, tenant, type_id, name="since", data_type="datetime", default_value="2026-01-31T09:30:00+01:00")

    listed = data(await api.rest("GET", props_path(type_id), tenant.token))
    assert [p["default_value"] for p in listed] == ["lead", "123", 3, "2026-01-31T08:30:00.000Z"]  # normalised once, stored

    plain = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "x"}}), 201)
    assert plain["properties"] == {"title": "x", "stage": "lead", "code": "123", "seats": 3, "since": "2026-01-31T08:30:00.000Z"}
    sent = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"stage": "won", "seats": 1}}), 201)
    assert sent["properties"]["stage"] == "won" and sent["properties"]["seats"] == 1 and sent["properties"]["code"] == "123"

    # changing another setting keeps the stored default intact
    stage_id = listed[0]["id"]
    assert data(await api.rest("PATCH", f"{props_path(type_id)}/{stage_id}", tenant.token, json={"is_indexed": True}))["default_value"] == "lead"
    assert data(await api.rest("GET", props_path(type_id), tenant.token))[0]["default_value"] == "lead"


async def test_an_exact_decimal_default_keeps_its_digits(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals")
    await add(api, tenant, type_id, name="amount", data_type="decimal", default_value="10.00")
    assert data(await api.rest("GET", props_path(type_id), tenant.token))[0]["default_value"] == "10.00"
    created = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {}}), 201)
    assert created["properties"] == {"amount": "10.00"}


async def test_unique_is_refused_on_types_that_cannot_be_unique(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    for data_type, extra in (("json", {}), ("multi_enum", {"enum_values": ["a"]}), ("boolean", {}), ("rich_text", {})):
        response = await api.rest("POST", props_path(type_id), tenant.token, json={"name": "f", "data_type": data_type, "is_unique": True, **extra})
        assert response.status_code == 400, data_type
        assert error_code(response) == "VALIDATION_ERROR" and set(details(response)) == {"is_unique"}, data_type
    meta = await add(api, tenant, type_id, name="meta", data_type="json")
    response = await api.rest("PATCH", f"{props_path(type_id)}/{meta['id']}", tenant.token, json={"is_unique": True})
    assert response.status_code == 400 and set(details(response)) == {"is_unique"}
    indexed = await api.rest("PATCH", f"{props_path(type_id)}/{meta['id']}", tenant.token, json={"is_indexed": True})
    assert indexed.status_code == 400 and set(details(indexed)) == {"is_indexed"}
    assert await property_indexes(meta["id"]) == {}


async def test_invalid_and_reserved_names_and_unknown_data_types(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    for name in ("id", "created_at", "updated_at", "created_by", "version", "is_deleted", "deleted_at", "1st", "first-name", "a b", "", "x" * 65):
        response = await api.rest("POST", props_path(type_id), tenant.token, json={"name": name, "data_type": "string"})
        assert response.status_code == 400, name
        assert error_code(response) == "VALIDATION_ERROR" and set(details(response)) == {"name"}, name
    response = await api.rest("POST", props_path(type_id), tenant.token, json={"name": "x", "data_type": "varchar"})
    assert response.status_code == 400 and set(details(response)) == {"data_type"}
    both = await api.rest("POST", props_path(type_id), tenant.token, json={"name": "id", "data_type": "varchar"})
    assert set(details(both)) == {"name", "data_type"}
    # mixed case and a leading underscore are fine
    assert (await add(api, tenant, type_id, name="FirstName", data_type="string"))["name"] == "FirstName"
    assert (await add(api, tenant, type_id, name="_internal", data_type="string"))["name"] == "_internal"


async def test_duplicate_name_on_a_type_is_already_exists(api: Api, tenant: TenantHandle) -> None:
    contacts = await make_type(tenant, "contacts")
    companies = await make_type(tenant, "companies")
    await add(api, tenant, contacts, name="email", data_type="email")
    response = await api.rest("POST", props_path(contacts), tenant.token, json={"name": "email", "data_type": "string"})
    assert response.status_code == 409 and error_code(response) == "ALREADY_EXISTS"
    # the same name on another type is another property
    assert (await add(api, tenant, companies, name="email", data_type="string"))["object_type_id"] == companies
    assert [p["data_type"] for p in data(await api.rest("GET", props_path(contacts), tenant.token))] == ["email"]


# --- update --------------------------------------------------------------------------------


async def test_name_and_data_type_cannot_change(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    prop = await add(api, tenant, type_id, name="score", data_type="integer")
    path = f"{props_path(type_id)}/{prop['id']}"

    renamed = await api.rest("PATCH", path, tenant.token, json={"name": "points"})
    assert renamed.status_code == 400 and error_code(renamed) == "VALIDATION_ERROR" and set(details(renamed)) == {"name"}
    retyped = await api.rest("PATCH", path, tenant.token, json={"data_type": "string"})
    assert retyped.status_code == 400 and set(details(retyped)) == {"data_type"}
    both = await api.rest("PATCH", path, tenant.token, json={"name": "points", "data_type": "string", "is_indexed": True})
    assert both.status_code == 400 and set(details(both)) == {"name", "data_type"}

    # nothing was applied, not even the flag sent alongside
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == [prop]
    assert await property_indexes(prop["id"]) == {}
    # sending the current values is not a change
    assert data(await api.rest("PATCH", path, tenant.token, json={"name": "score", "data_type": "integer", "description": "d"}))["description"] == "d"


async def test_patch_changes_only_the_flags_sent(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    prop = await add(api, tenant, type_id, name="score", data_type="integer", description="Lead score", default_value=1)
    path = f"{props_path(type_id)}/{prop['id']}"

    updated = data(await api.rest("PATCH", path, tenant.token, json={"is_sortable": True, "is_required": True}))
    assert updated["is_sortable"] is True and updated["is_required"] is True
    assert updated["description"] == "Lead score" and updated["default_value"] == 1 and updated["is_indexed"] is False

    updated = data(await api.rest("PATCH", path, tenant.token, json={"default_value": None, "description": None, "is_required": False}))
    assert updated["default_value"] is None and updated["description"] is None and updated["is_sortable"] is True
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == [updated]

    stage = await add(api, tenant, type_id, name="stage", data_type="enum", enum_values=["a", "b"])
    grown = data(await api.rest("PATCH", f"{props_path(type_id)}/{stage['id']}", tenant.token, json={"enum_values": ["a", "b", "c"]}))
    assert grown["enum_values"] == ["a", "b", "c"]
    emptied = await api.rest("PATCH", f"{props_path(type_id)}/{stage['id']}", tenant.token, json={"enum_values": None})
    assert emptied.status_code == 400 and set(details(emptied)) == {"enum_values"}


async def test_required_is_refused_while_live_objects_lack_a_value(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email"}])
    _, without = await make_objects(tenant, type_id, [{"email": "a@x.io"}, {"name": "no email"}])
    prop_id = data(await api.rest("GET", props_path(type_id), tenant.token))[0]["id"]
    path = f"{props_path(type_id)}/{prop_id}"

    refused = await api.rest("PATCH", path, tenant.token, json={"is_required": True})
    assert refused.status_code == 409 and error_code(refused) == "CONFLICT"
    assert "1 existing object" in refused.json()["error"]["message"]
    assert data(await api.rest("GET", props_path(type_id), tenant.token))[0]["is_required"] is False
    # a new required property is refused for the same reason
    new = await api.rest("POST", props_path(type_id), tenant.token, json={"name": "phone", "data_type": "string", "is_required": True})
    assert new.status_code == 409 and error_code(new) == "CONFLICT"

    # objects in the trash do not count
    assert (await api.rest("DELETE", f"/v1/objects/{type_id}/{without}", tenant.token)).status_code == 200
    assert data(await api.rest("PATCH", path, tenant.token, json={"is_required": True}))["is_required"] is True
    missing = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": "x"}})
    assert missing.status_code == 400 and "properties.email" in details(missing)


# --- delete --------------------------------------------------------------------------------


async def test_deleting_a_property_leaves_its_values_untyped(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "score", "data_type": "integer", "is_indexed": True}])
    [object_id] = await make_objects(tenant, type_id, [{"score": 5}])
    prop_id = data(await api.rest("GET", props_path(type_id), tenant.token))[0]["id"]
    assert await property_indexes(prop_id)

    assert data(await api.rest("DELETE", f"{props_path(type_id)}/{prop_id}", tenant.token)) == {"deleted": True}
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == []
    assert await property_indexes(prop_id) == {}

    object_path = f"/v1/objects/{type_id}/{object_id}"
    assert data(await api.rest("GET", object_path, tenant.token))["properties"] == {"score": 5}
    # untyped now: any JSON value is accepted
    assert data(await api.rest("PATCH", object_path, tenant.token, json={"properties": {"score": "high"}}))["properties"] == {"score": "high"}

    again = await api.rest("DELETE", f"{props_path(type_id)}/{prop_id}", tenant.token)
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"


# --- indexes -------------------------------------------------------------------------------


async def test_is_indexed_creates_a_real_index_and_clearing_it_drops_it(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    prop = await add(api, tenant, type_id, name="score", data_type="integer", is_indexed=True)
    found = await property_indexes(prop["id"])
    assert set(found) == {f"ix_{prop['id']}"}
    definition = found[f"ix_{prop['id']}"]
    assert value_expression("score") in definition
    assert type_id in definition and "deleted_at IS NULL" in definition  # partial: this type's live rows
    assert "UNIQUE" not in definition.upper()

    data(await api.rest("PATCH", f"{props_path(type_id)}/{prop['id']}", tenant.token, json={"is_indexed": False}))
    assert await property_indexes(prop["id"]) == {}
    data(await api.rest("PATCH", f"{props_path(type_id)}/{prop['id']}", tenant.token, json={"is_sortable": True}))
    assert set(await property_indexes(prop["id"])) == {f"ix_{prop['id']}"}  # sorting is backed by the same index


async def test_is_unique_creates_a_unique_index_and_enforces_it(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    prop = await add(api, tenant, type_id, name="email", data_type="email", is_unique=True)
    found = await property_indexes(prop["id"])
    assert set(found) == {f"ux_{prop['id']}"}
    assert "UNIQUE" in found[f"ux_{prop['id']}"].upper() and value_expression("email") in found[f"ux_{prop['id']}"]

    objects = f"/v1/objects/{type_id}"
    first = data(await api.rest("POST", objects, tenant.token, json={"properties": {"email": "a@x.io"}}), 201)
    # the same address after normalisation (domain case) is the same value
    duplicate = await api.rest("POST", objects, tenant.token, json={"properties": {"email": "a@X.IO"}})
    assert duplicate.status_code == 409 and error_code(duplicate) == "DUPLICATE_VALUE"
    assert duplicate.json()["error"]["details"] == {"property": "email"}

    other = data(await api.rest("POST", objects, tenant.token, json={"properties": {"email": "b@x.io"}}), 201)
    moved = await api.rest("PATCH", f"{objects}/{other['id']}", tenant.token, json={"properties": {"email": "a@x.io"}})
    assert moved.status_code == 409 and error_code(moved) == "DUPLICATE_VALUE"

    # uniqueness covers live objects only: once the first is in the trash its value is free
    assert (await api.rest("DELETE", f"{objects}/{first['id']}", tenant.token)).status_code == 200
    assert (await api.rest("POST", objects, tenant.token, json={"properties": {"email": "a@x.io"}})).status_code == 201
    # and it is per type: another type may hold the same value
    companies = await make_type(tenant, "companies", [{"name": "email", "data_type": "email", "is_unique": True}])
    assert (await api.rest("POST", f"/v1/objects/{companies}", tenant.token, json={"properties": {"email": "a@x.io"}})).status_code == 201


async def test_turning_unique_on_over_duplicates_is_refused_without_an_index(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "code", "data_type": "string"}])
    ids = await make_objects(tenant, type_id, [{"code": "A"}, {"code": "A"}, {"code": "B"}])
    prop = data(await api.rest("GET", props_path(type_id), tenant.token))[0]
    path = f"{props_path(type_id)}/{prop['id']}"

    refused = await api.rest("PATCH", path, tenant.token, json={"is_unique": True, "is_indexed": True})
    assert refused.status_code == 409 and error_code(refused) == "DUPLICATE_VALUE"
    assert await property_indexes(prop["id"]) == {}  # neither index survived the rolled-back request
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == [prop]

    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{ids[1]}", tenant.token, json={"properties": {"code": "C"}}))
    made = data(await api.rest("PATCH", path, tenant.token, json={"is_unique": True}))
    assert made["is_unique"] is True and set(await property_indexes(prop["id"])) == {f"ux_{prop['id']}"}


async def test_a_new_unique_property_over_duplicate_values_is_refused(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    await make_objects(tenant, type_id, [{"code": "A"}, {"code": "A"}])  # untyped values already stored
    refused = await api.rest("POST", props_path(type_id), tenant.token, json={"name": "code", "data_type": "string", "is_unique": True})
    assert refused.status_code == 409 and error_code(refused) == "DUPLICATE_VALUE"
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == []


async def test_unique_holds_under_concurrent_writes(live_server: str, tenant: TenantHandle) -> None:
    """Eight concurrent requests to a real server race for one value; the index lets exactly one win."""
    type_id = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email", "is_unique": True}])
    async with httpx.AsyncClient(base_url=live_server, headers=bearer(tenant.token), timeout=30) as http:
        responses = await asyncio.gather(
            *(http.post(f"/v1/objects/{type_id}", json={"properties": {"email": "race@x.io", "n": n}}) for n in range(8))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 7, [r.text for r in responses]
        assert all(r.json()["error"]["code"] == "DUPLICATE_VALUE" for r in responses if r.status_code == 409)
        listed = (await http.get(f"/v1/objects/{type_id}/list")).json()["data"]
    assert [o["properties"]["email"] for o in listed["results"]] == ["race@x.io"]


# --- authorization and isolation -----------------------------------------------------------


async def test_schema_scope_is_required_to_change_properties(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email"}])
    token = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "rw", "scopes": ["read", "write"]}), 201)["token"]
    listed = data(await api.rest("GET", props_path(type_id), token))
    assert [p["name"] for p in listed] == ["email"]
    prop_path = f"{props_path(type_id)}/{listed[0]['id']}"

    for method, path, body in (
        ("POST", props_path(type_id), {"name": "phone", "data_type": "phone"}),
        ("PATCH", prop_path, {"is_indexed": True}),
        ("DELETE", prop_path, None),
    ):
        response = await api.rest(method, path, token, json=body)
        assert response.status_code == 403, (method, path)
        assert error_code(response) == "INSUFFICIENT_SCOPE"
    assert data(await api.rest("GET", props_path(type_id), tenant.token)) == listed


async def test_another_tenants_types_and_properties_are_not_found(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email"}])
    prop_id = data(await api.rest("GET", props_path(type_id), tenant.token))[0]["id"]
    their_type = await make_type(other_tenant, "contacts")

    for method, path, body in (
        ("GET", props_path(type_id), None),
        ("POST", props_path(type_id), {"name": "phone", "data_type": "string"}),
        ("PATCH", f"{props_path(type_id)}/{prop_id}", {"is_indexed": True}),
        ("DELETE", f"{props_path(type_id)}/{prop_id}", None),
        # the tenant's property id under the other tenant's own type (same name, too)
        ("PATCH", f"{props_path(their_type)}/{prop_id}", {"is_indexed": True}),
        ("DELETE", f"{props_path(their_type)}/{prop_id}", None),
        ("DELETE", f"{props_path('contacts')}/{prop_id}", None),
    ):
        response = await api.rest(method, path, other_tenant.token, json=body)
        assert response.status_code == 404, (method, path)
        assert error_code(response) == "NOT_FOUND"
    result = await api.gql("query($type: ID!) { properties(objectTypeId: $type) { id } }", other_tenant.token, type=type_id)
    assert gql_code(result) == "NOT_FOUND"

    # nothing leaked or changed
    assert data(await api.rest("GET", props_path(their_type), other_tenant.token)) == []
    [prop] = data(await api.rest("GET", props_path(type_id), tenant.token))
    assert prop["id"] == prop_id and prop["is_indexed"] is False
    assert await property_indexes(prop_id) == {}


async def test_a_property_is_only_reachable_through_its_own_type(api: Api, tenant: TenantHandle) -> None:
    contacts = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email"}])
    companies = await make_type(tenant, "companies")
    prop_id = data(await api.rest("GET", props_path(contacts), tenant.token))[0]["id"]
    for method, body in (("PATCH", {"description": "x"}), ("DELETE", None)):
        response = await api.rest(method, f"{props_path(companies)}/{prop_id}", tenant.token, json=body)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    missing = await api.rest("GET", props_path("no_such_type"), tenant.token)
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"
