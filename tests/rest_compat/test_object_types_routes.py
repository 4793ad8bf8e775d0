"""Object Types group: every route over REST and the same operation over GraphQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from models.associations import Association
from models.objects import DataObject, ObjectVersion
from models.properties import Property
from resolvers.ids import new_id, sha256_hex
from resolvers.secure_delete import repository as spent
from tests.support import Api, TenantHandle, data, error_code, gql_code, make_objects, make_type, property_indexes

TYPE_KEYS = {"id", "tenant_id", "name", "display_name", "created_at", "updated_at"}


async def schemaless_token(api: Api, tenant: TenantHandle) -> str:
    """A key of the tenant with read and write but not `schema`."""
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "rw", "scopes": ["read", "write"]}), 201)
    return created["token"]


def details(response: Any) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["error"]["details"]}


async def test_create_list_and_get_by_id_and_by_name(api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "contacts"}), 201)
    assert set(created) == TYPE_KEYS
    assert created["id"].startswith("ot_") and created["tenant_id"] == tenant.tenant_id
    assert created["name"] == "contacts" and created["display_name"] == "Contacts"

    explicit = data(
        await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "sales_deals", "display_name": "  Pipeline  "}), 201
    )
    assert explicit["display_name"] == "Pipeline"
    defaulted = data(await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "line_items"}), 201)
    assert defaulted["display_name"] == "Line Items"

    listed = data(await api.rest("GET", "/v1/object-types", tenant.token))
    assert [t["name"] for t in listed] == ["contacts", "line_items", "sales_deals"]  # ordered by name

    assert data(await api.rest("GET", f"/v1/object-types/{created['id']}", tenant.token)) == created
    assert data(await api.rest("GET", "/v1/object-types/contacts", tenant.token)) == created

    missing = await api.rest("GET", "/v1/object-types/nothing_here", tenant.token)
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"
    missing = await api.rest("GET", "/v1/object-types/ot_doesnotexist1234", tenant.token)
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"


async def test_list_shows_only_this_tenants_types(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await make_type(tenant, "contacts")
    await make_type(other_tenant, "contacts")
    await make_type(other_tenant, "secrets")
    mine = data(await api.rest("GET", "/v1/object-types", tenant.token))
    assert [(t["name"], t["tenant_id"]) for t in mine] == [("contacts", tenant.tenant_id)]


async def test_graphql_equivalents(api: Api, tenant: TenantHandle) -> None:
    created = await api.gql(
        "mutation($input: CreateObjectTypeInput!) { createObjectType(input: $input) { id name displayName tenantId } }",
        tenant.token,
        input={"name": "contacts"},
    )
    node = created["data"]["createObjectType"]
    assert node["name"] == "contacts" and node["displayName"] == "Contacts" and node["tenantId"] == tenant.tenant_id

    listed = await api.gql("{ objectTypes { id name } }", tenant.token)
    assert listed["data"]["objectTypes"] == [{"id": node["id"], "name": "contacts"}]
    by_name = await api.gql('{ objectType(id: "contacts") { id } }', tenant.token)
    assert by_name["data"]["objectType"] == {"id": node["id"]}

    renamed = await api.gql(
        'mutation($id: ID!) { updateObjectType(id: $id, input: {name: "people"}) { id name displayName } }', tenant.token, id=node["id"]
    )
    assert renamed["data"]["updateObjectType"] == {"id": node["id"], "name": "people", "displayName": "Contacts"}

    deleted = await api.gql("mutation($id: ID!) { deleteObjectType(id: $id) { id deleted } }", tenant.token, id=node["id"])
    assert deleted["data"]["deleteObjectType"] == {"id": node["id"], "deleted": True}
    assert gql_code(await api.gql("query($id: ID!) { objectType(id: $id) { id } }", tenant.token, id=node["id"])) == "NOT_FOUND"


async def test_graphql_errors_carry_the_same_codes(api: Api, tenant: TenantHandle) -> None:
    await make_type(tenant, "contacts")
    result = await api.gql('mutation { createObjectType(input: {name: "Contacts"}) { id } }', tenant.token)
    assert gql_code(result) == "VALIDATION_ERROR"
    assert result["errors"][0]["extensions"]["details"][0]["field"] == "name"
    assert gql_code(await api.gql('mutation { createObjectType(input: {name: "contacts"}) { id } }', tenant.token)) == "ALREADY_EXISTS"
    assert gql_code(await api.gql('{ objectType(id: "nope") { id } }', tenant.token)) == "NOT_FOUND"


async def test_invalid_names_are_validation_errors_with_details(api: Api, tenant: TenantHandle) -> None:
    for name in ("Contacts", "1contacts", "_contacts", "con-tacts", "con tacts", "", "a" * 64, "contäcts"):
        response = await api.rest("POST", "/v1/object-types", tenant.token, json={"name": name})
        assert response.status_code == 400, name
        assert error_code(response) == "VALIDATION_ERROR"
        assert set(details(response)) == {"name"}, name
    for name in ("a", "contacts_2", "a" * 63):
        assert (await api.rest("POST", "/v1/object-types", tenant.token, json={"name": name})).status_code == 201, name

    missing = await api.rest("POST", "/v1/object-types", tenant.token, json={})
    assert missing.status_code == 400 and "name" in details(missing)
    too_long = await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "x", "display_name": "x" * 201})
    assert too_long.status_code == 400 and set(details(too_long)) == {"display_name"}
    assert "x" not in [t["name"] for t in data(await api.rest("GET", "/v1/object-types", tenant.token))]


async def test_duplicate_name_is_already_exists(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await make_type(tenant, "contacts")
    response = await api.rest("POST", "/v1/object-types", tenant.token, json={"name": "contacts"})
    assert response.status_code == 409 and error_code(response) == "ALREADY_EXISTS"
    # names are unique per tenant, not globally
    assert (await api.rest("POST", "/v1/object-types", other_tenant.token, json={"name": "contacts"})).status_code == 201


async def test_rename_and_change_display_name(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    before = data(await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token))

    renamed = data(await api.rest("PATCH", f"/v1/object-types/{type_id}", tenant.token, json={"name": "customers"}))
    assert renamed["id"] == type_id and renamed["name"] == "customers" and renamed["display_name"] == "Contacts"
    assert renamed["created_at"] == before["created_at"]
    assert data(await api.rest("GET", "/v1/object-types/customers", tenant.token))["id"] == type_id
    assert (await api.rest("GET", "/v1/object-types/contacts", tenant.token)).status_code == 404

    relabelled = data(await api.rest("PATCH", "/v1/object-types/customers", tenant.token, json={"display_name": "Clients"}))
    assert relabelled["name"] == "customers" and relabelled["display_name"] == "Clients"

    # sending the current name again is not a conflict with itself
    same = await api.rest("PATCH", f"/v1/object-types/{type_id}", tenant.token, json={"name": "customers"})
    assert same.status_code == 200


async def test_rename_is_validated_and_cannot_take_a_used_name(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    await make_type(tenant, "companies")

    bad = await api.rest("PATCH", f"/v1/object-types/{type_id}", tenant.token, json={"name": "Bad Name"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR" and set(details(bad)) == {"name"}
    blank = await api.rest("PATCH", f"/v1/object-types/{type_id}", tenant.token, json={"display_name": "   "})
    assert blank.status_code == 400 and set(details(blank)) == {"display_name"}

    taken = await api.rest("PATCH", f"/v1/object-types/{type_id}", tenant.token, json={"name": "companies"})
    assert taken.status_code == 409 and error_code(taken) == "ALREADY_EXISTS"
    assert data(await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token))["name"] == "contacts"

    missing = await api.rest("PATCH", "/v1/object-types/ot_doesnotexist1234", tenant.token, json={"name": "x"})
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"


async def test_schema_scope_is_required_to_change_types(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    token = await schemaless_token(api, tenant)

    # reading needs no schema scope
    assert [t["id"] for t in data(await api.rest("GET", "/v1/object-types", token))] == [type_id]
    assert data(await api.rest("GET", f"/v1/object-types/{type_id}", token))["name"] == "contacts"

    for method, path, body in (
        ("POST", "/v1/object-types", {"name": "deals"}),
        ("PATCH", f"/v1/object-types/{type_id}", {"name": "people"}),
        ("DELETE", f"/v1/object-types/{type_id}", None),
    ):
        response = await api.rest(method, path, token, json=body)
        assert response.status_code == 403, (method, path)
        assert error_code(response) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql('mutation { createObjectType(input: {name: "deals"}) { id } }', token)) == "INSUFFICIENT_SCOPE"

    # nothing changed
    assert [t["name"] for t in data(await api.rest("GET", "/v1/object-types", tenant.token))] == ["contacts"]


async def test_a_schema_scoped_key_may_change_types(api: Api, tenant: TenantHandle) -> None:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "s", "scopes": ["schema"]}), 201)
    made = data(await api.rest("POST", "/v1/object-types", created["token"], json={"name": "deals"}), 201)
    assert data(await api.rest("DELETE", f"/v1/object-types/{made['id']}", created["token"])) == {"deleted": True}


async def test_an_empty_type_deletes_straight_away(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts")
    assert data(await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token)) == {"deleted": True}
    response = await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    again = await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token)
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"


async def test_delete_with_dependants_needs_confirmation_then_removes_everything(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "email", "data_type": "email", "is_unique": True}, {"name": "score", "data_type": "integer", "is_indexed": True}])
    other_id = await make_type(tenant, "companies")
    object_ids = await make_objects(tenant, type_id, [{"email": "a@x.io", "score": 1}, {"email": "b@x.io", "score": 2}])
    path = f"/v1/objects/{type_id}/{object_ids[0]}"
    assert data(await api.rest("PATCH", path, tenant.token, json={"properties": {"score": 3}}))["version"] == 2
    data(await api.rest("POST", f"/v1/object-types/{type_id}/views", tenant.token, json={"name": "all"}), 201)
    other_objects = await make_objects(tenant, other_id, [{"name": "Acme"}])
    await Association.create(
        id=new_id("assoc"), tenant_id=tenant.tenant_id, from_type=other_id, from_id=other_objects[0],
        association_type="employs", to_type=type_id, to_id=object_ids[0],
    )

    prop_ids = [p["id"] for p in data(await api.rest("GET", f"/v1/object-types/{type_id}/properties", tenant.token))]
    assert all([await property_indexes(p) for p in prop_ids])

    refused = await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token)
    assert refused.status_code == 409 and error_code(refused) == "DEPENDENCY_EXISTS"
    error = refused.json()["error"]
    counts = {d["type"]: d["count"] for d in error["dependencies"]}
    assert counts == {"objects": 2, "properties": 2, "views": 1, "associations": 1}
    assert all(d["label"] for d in error["dependencies"])
    token = error["confirm_token"]
    # the refusal changed nothing
    assert data(await api.rest("GET", path, tenant.token))["properties"]["score"] == 3

    # force without a token is refused with a fresh token
    no_token = await api.rest("DELETE", f"/v1/object-types/{type_id}?force=true", tenant.token)
    assert no_token.status_code == 409 and no_token.json()["error"]["confirm_token"]

    deleted = await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token, params={"force": "true", "confirm_token": token})
    assert data(deleted) == {"deleted": True}

    gone = await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert (await api.rest("GET", path, tenant.token)).status_code == 404
    assert await DataObject.filter(object_type_id=type_id).count() == 0
    assert await ObjectVersion.filter(object_type_id=type_id).count() == 0
    assert await Property.filter(object_type_id=type_id).count() == 0
    assert await Association.filter(tenant_id=tenant.tenant_id).count() == 0
    assert [await property_indexes(p) for p in prop_ids] == [{}, {}]  # the real indexes went too
    # the other type and its objects are untouched
    assert data(await api.rest("GET", f"/v1/objects/{other_id}/{other_objects[0]}", tenant.token))["properties"] == {"name": "Acme"}


async def test_a_confirm_token_is_bound_to_its_record(api: Api, tenant: TenantHandle) -> None:
    first = await make_type(tenant, "contacts", [{"name": "name", "data_type": "string"}])
    second = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    token = (await api.rest("DELETE", f"/v1/object-types/{first}", tenant.token)).json()["error"]["confirm_token"]

    misused = await api.rest("DELETE", f"/v1/object-types/{second}", tenant.token, params={"force": "true", "confirm_token": token})
    assert misused.status_code == 409 and error_code(misused) == "DEPENDENCY_EXISTS"
    assert misused.json()["error"]["confirm_token"] != token
    assert data(await api.rest("GET", f"/v1/object-types/{second}", tenant.token))["name"] == "companies"

    # the failed attempt did not spend it: it still deletes the record it was issued for, once
    data(await api.rest("DELETE", f"/v1/object-types/{first}", tenant.token, params={"force": "true", "confirm_token": token}))
    reused = await api.rest("DELETE", f"/v1/object-types/{first}", tenant.token, params={"force": "true", "confirm_token": token})
    assert reused.status_code == 404


async def test_a_spent_token_cannot_be_replayed_on_the_same_record(api: Api, tenant: TenantHandle) -> None:
    """Two forced deletes of one record race for the token; the loser must not succeed."""
    type_id = await make_type(tenant, "contacts", [{"name": "name", "data_type": "string"}])
    token = (await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token)).json()["error"]["confirm_token"]
    # spend the token as a concurrent forced delete would, without deleting
    assert await spent.spend(tenant.tenant_id, sha256_hex(token), "object_type", type_id, datetime.now(timezone.utc) + timedelta(minutes=5))
    replay = await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token, params={"force": "true", "confirm_token": token})
    assert replay.status_code == 409 and error_code(replay) == "DEPENDENCY_EXISTS"
    assert data(await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token))["id"] == type_id


async def test_delete_over_graphql_with_force_and_confirm_token(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "name", "data_type": "string"}])
    await make_objects(tenant, type_id, [{"name": "a"}])
    mutation = "mutation($id: ID!, $force: Boolean!, $confirm: String) { deleteObjectType(id: $id, force: $force, confirmToken: $confirm) { id deleted } }"

    refused = await api.gql(mutation, tenant.token, id=type_id, force=False, confirm=None)
    assert gql_code(refused) == "DEPENDENCY_EXISTS"
    extensions = refused["errors"][0]["extensions"]
    assert {d["type"]: d["count"] for d in extensions["dependencies"]} == {"objects": 1, "properties": 1}
    done = await api.gql(mutation, tenant.token, id=type_id, force=True, confirm=extensions["confirm_token"])
    assert done["data"]["deleteObjectType"] == {"id": type_id, "deleted": True}
    assert (await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token)).status_code == 404


async def test_another_tenants_type_is_not_found_on_every_route(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", [{"name": "name", "data_type": "string"}])
    for method, path, body in (
        ("GET", f"/v1/object-types/{type_id}", None),
        ("GET", "/v1/object-types/contacts", None),
        ("PATCH", f"/v1/object-types/{type_id}", {"name": "stolen"}),
        ("DELETE", f"/v1/object-types/{type_id}", None),
        ("DELETE", f"/v1/object-types/{type_id}?force=true&confirm_token=x.y", None),
    ):
        response = await api.rest(method, path, other_tenant.token, json=body)
        assert response.status_code == 404, (method, path)
        assert error_code(response) == "NOT_FOUND"
    assert gql_code(await api.gql("query($id: ID!) { objectType(id: $id) { id } }", other_tenant.token, id=type_id)) == "NOT_FOUND"
    assert gql_code(await api.gql("mutation($id: ID!) { deleteObjectType(id: $id) { id } }", other_tenant.token, id=type_id)) == "NOT_FOUND"

    # a confirm token issued to the owner is useless to the other tenant
    token = (await api.rest("DELETE", f"/v1/object-types/{type_id}", tenant.token)).json()["error"]["confirm_token"]
    stolen = await api.rest("DELETE", f"/v1/object-types/{type_id}", other_tenant.token, params={"force": "true", "confirm_token": token})
    assert stolen.status_code == 404

    assert data(await api.rest("GET", f"/v1/object-types/{type_id}", tenant.token))["name"] == "contacts"
