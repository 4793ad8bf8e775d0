"""Objects over REST and GraphQL: CRUD, versions, trash, batches, lists."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from models.associations import Association
from models.objects import ObjectVersion
from models.tenants import Tenant
from resolvers.objects import quota
from resolvers.ids import new_id
from tests.support import Api, TenantHandle, data, error_code, gql_code, make_objects, make_type

CONTACT_PROPERTIES = [
    {"name": "name", "data_type": "string", "is_required": True},
    {"name": "email", "data_type": "email", "is_unique": True},
    {"name": "score", "data_type": "integer", "is_indexed": True, "is_sortable": True},
    {"name": "price", "data_type": "decimal"},
]


async def test_create_get_update_keeps_versions(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    body = {"properties": {"name": "Acme", "email": "Info@ACME.com", "score": 5, "price": "12.50", "extra": {"a": 1}}}
    created = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json=body), 201)
    assert created["properties"] == {"name": "Acme", "email": "Info@acme.com", "score": 5, "price": "12.50", "extra": {"a": 1}}
    assert created["version"] == 1 and created["is_deleted"] is False and created["created_by"] == tenant.key_id
    assert created["tenant_id"] == tenant.tenant_id and created["object_type_id"] == type_id

    path = f"/v1/objects/{type_id}/{created['id']}"
    updated = data(await api.rest("PATCH", path, tenant.token, json={"properties": {"score": 6, "extra": None}}))
    assert updated["version"] == 2 and updated["properties"]["score"] == 6 and "extra" not in updated["properties"]
    assert data(await api.rest("GET", path, tenant.token)) == updated

    versions = data(await api.rest("GET", f"{path}/versions", tenant.token))
    assert [v["version"] for v in versions] == [1] and versions[0]["properties"]["score"] == 5



async def test_a_rest_update_that_fails_after_writing_rolls_back_whole(api: Api, tenant: TenantHandle) -> None:
    """The update keeps the old version first, then hits the unique index: neither stays."""
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    _, second = await make_objects(tenant, type_id, [{"name": "a", "email": "a@x.com"}, {"name": "b", "email": "b@x.com"}])
    path = f"/v1/objects/{type_id}/{second}"

    clash = await api.rest("PATCH", path, tenant.token, json={"properties": {"email": "a@x.com"}})

    assert clash.status_code == 409 and error_code(clash) == "DUPLICATE_VALUE"
    assert data(await api.rest("GET", f"{path}/versions", tenant.token)) == []
    assert data(await api.rest("GET", path, tenant.token))["version"] == 1


# --- helpers --------------------------------------------------------------------------------


def error_fields(response: httpx.Response) -> set[str]:
    """The `details[].field` paths of a 400 answer."""
    return {d["field"] for d in response.json()["error"]["details"]}


async def read_only_token(api: Api, tenant: TenantHandle) -> str:
    created = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "ro", "scopes": ["read"]}), 201)
    return created["token"]


async def count_live(api: Api, tenant: TenantHandle, type_id: str) -> int:
    return data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))["total"]


# --- create and validation ------------------------------------------------------------------


async def test_create_reports_each_bad_property_and_writes_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)

    missing = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"score": 1}})
    assert missing.status_code == 400 and error_code(missing) == "VALIDATION_ERROR"
    assert error_fields(missing) == {"properties.name"}

    bad = {"name": "Acme", "email": "not-an-email", "score": "many", "price": "12,50"}
    response = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": bad})
    assert response.status_code == 400
    assert error_fields(response) == {"properties.email", "properties.score", "properties.price"}

    explicit_null = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": None}})
    assert explicit_null.status_code == 400 and error_fields(explicit_null) == {"properties.name"}
    assert await count_live(api, tenant, type_id) == 0


async def test_unknown_keys_are_kept_untyped_and_a_float_decimal_keeps_its_digits(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    body = {"properties": {"name": "Acme", "price": 0.1, "nickname": "ac", "tags": ["x", 2], "ratio": 0.5}}
    created = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json=body), 201)
    assert created["properties"] == {"name": "Acme", "price": "0.1", "nickname": "ac", "tags": ["x", 2], "ratio": 0.5}
    fetched = data(await api.rest("GET", f"/v1/objects/{type_id}/{created['id']}", tenant.token))
    assert fetched["properties"] == created["properties"]


async def test_duplicate_unique_value_is_409(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    await make_objects(tenant, type_id, [{"name": "A", "email": "a@x.io"}])
    # Normalisation happens before the unique check: the domain is lower-cased.
    response = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": "B", "email": "a@X.IO"}})
    assert response.status_code == 409 and error_code(response) == "DUPLICATE_VALUE"
    assert response.json()["error"]["details"] == {"property": "email"}
    assert await count_live(api, tenant, type_id) == 1


async def test_reference_must_name_a_live_object_of_the_same_tenant(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    companies = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    people = await make_type(tenant, "people", [{"name": "name", "data_type": "string"}, {"name": "employer", "data_type": "reference"}])
    [acme] = await make_objects(tenant, companies, [{"name": "Acme"}])
    foreign_type = await make_type(other_tenant, "companies", [{"name": "name", "data_type": "string"}])
    [foreign] = await make_objects(other_tenant, foreign_type, [{"name": "Theirs"}])

    ok = data(await api.rest("POST", f"/v1/objects/{people}", tenant.token, json={"properties": {"name": "Ann", "employer": acme}}), 201)
    assert ok["properties"]["employer"] == acme

    for target in (foreign, "obj_doesnotexist", "company-1"):
        response = await api.rest("POST", f"/v1/objects/{people}", tenant.token, json={"properties": {"name": "Bob", "employer": target}})
        assert response.status_code == 400 and error_fields(response) == {"properties.employer"}, target

    # A trashed object is not a valid target either, and an update is checked like a create.
    data(await api.rest("DELETE", f"/v1/objects/{companies}/{acme}", tenant.token))
    response = await api.rest("PATCH", f"/v1/objects/{people}/{ok['id']}", tenant.token, json={"properties": {"employer": acme}})
    assert response.status_code == 400 and error_fields(response) == {"properties.employer"}


# --- update, versions, optimistic concurrency -----------------------------------------------


async def test_versions_are_listed_newest_first_and_limited(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [object_id] = await make_objects(tenant, type_id, [{"name": "v1", "score": 1}])
    path = f"/v1/objects/{type_id}/{object_id}"
    for n in (2, 3, 4):
        updated = data(await api.rest("PATCH", path, tenant.token, json={"properties": {"name": f"v{n}"}}))
        assert updated["version"] == n and updated["properties"] == {"name": f"v{n}", "score": 1}

    versions = data(await api.rest("GET", f"{path}/versions", tenant.token))
    assert [(v["version"], v["properties"]["name"]) for v in versions] == [(3, "v3"), (2, "v2"), (1, "v1")]
    assert all(v["object_id"] == object_id and v["created_by"] == tenant.key_id for v in versions)

    limited = data(await api.rest("GET", f"{path}/versions", tenant.token, params={"limit": 2}))
    assert [v["version"] for v in limited] == [3, 2]
    for bad in ("0", "101", "two"):
        response = await api.rest("GET", f"{path}/versions", tenant.token, params={"limit": bad})
        assert response.status_code == 400 and error_fields(response) == {"limit"}, bad

    missing = await api.rest("GET", f"/v1/objects/{type_id}/obj_nosuchobject/versions", tenant.token)
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"


async def test_expected_version_mismatch_is_409_and_changes_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [object_id] = await make_objects(tenant, type_id, [{"name": "first"}])
    path = f"/v1/objects/{type_id}/{object_id}"

    second = data(await api.rest("PATCH", path, tenant.token, json={"properties": {"name": "second"}, "expected_version": 1}))
    assert second["version"] == 2

    stale = await api.rest("PATCH", path, tenant.token, json={"properties": {"name": "lost"}, "expected_version": 1})
    assert stale.status_code == 409 and error_code(stale) == "VERSION_CONFLICT"
    assert stale.json()["error"]["details"][0]["field"] == "properties.expected_version"
    current = data(await api.rest("GET", path, tenant.token))
    assert current["version"] == 2 and current["properties"]["name"] == "second"
    assert [v["version"] for v in data(await api.rest("GET", f"{path}/versions", tenant.token))] == [1]


async def test_update_validates_only_the_keys_sent(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [object_id] = await make_objects(tenant, type_id, [{"name": "Ann", "score": 3}])
    path = f"/v1/objects/{type_id}/{object_id}"

    response = await api.rest("PATCH", path, tenant.token, json={"properties": {"score": 1.5, "name": None}})
    assert response.status_code == 400 and error_fields(response) == {"properties.score", "properties.name"}
    assert data(await api.rest("GET", path, tenant.token))["version"] == 1

    missing = await api.rest("PATCH", f"/v1/objects/{type_id}/obj_nosuchobject", tenant.token, json={"properties": {"score": 1}})
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"


# --- delete, trash, restore ------------------------------------------------------------------


async def test_delete_moves_to_trash_and_restore_brings_it_back(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    keep, gone = await make_objects(tenant, type_id, [{"name": "keep"}, {"name": "gone"}])
    path = f"/v1/objects/{type_id}/{gone}"

    assert data(await api.rest("DELETE", path, tenant.token)) == {"id": gone, "deleted": True}
    assert (await api.rest("GET", path, tenant.token)).status_code == 404
    assert (await api.rest("PATCH", path, tenant.token, json={"properties": {"name": "x"}})).status_code == 404
    assert (await api.rest("DELETE", path, tenant.token)).status_code == 404
    listed = data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))
    assert [o["id"] for o in listed["results"]] == [keep] and listed["total"] == 1

    trash = data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))
    assert trash["total"] == 1 and trash["next_cursor"] is None
    assert [(o["id"], o["is_deleted"], o["properties"]["name"]) for o in trash["results"]] == [(gone, True, "gone")]
    # Versions of a trashed object stay readable.
    assert data(await api.rest("GET", f"{path}/versions", tenant.token)) == []

    restored = data(await api.rest("POST", f"{path}/restore", tenant.token))
    assert restored["id"] == gone and restored["is_deleted"] is False and restored["properties"] == {"name": "gone"}
    assert data(await api.rest("GET", path, tenant.token))["is_deleted"] is False
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))["total"] == 0

    again = await api.rest("POST", f"{path}/restore", tenant.token)
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"


async def test_trash_is_paged_most_recently_deleted_first(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    ids = await make_objects(tenant, type_id, [{"name": f"n{i}"} for i in range(3)])
    for object_id in ids:
        data(await api.rest("DELETE", f"/v1/objects/{type_id}/{object_id}", tenant.token))

    first = data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token, params={"limit": 2}))
    assert [o["id"] for o in first["results"]] == [ids[2], ids[1]] and first["total"] == 3
    rest = data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token, params={"limit": 2, "cursor": first["next_cursor"]}))
    assert [o["id"] for o in rest["results"]] == [ids[0]] and rest["next_cursor"] is None


async def test_restore_is_refused_when_its_unique_value_was_taken(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [original] = await make_objects(tenant, type_id, [{"name": "A", "email": "a@x.io"}])
    data(await api.rest("DELETE", f"/v1/objects/{type_id}/{original}", tenant.token))
    # The value is free while the original sits in the trash.
    taker = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": "B", "email": "a@x.io"}}), 201)

    response = await api.rest("POST", f"/v1/objects/{type_id}/{original}/restore", tenant.token)
    assert response.status_code == 409 and error_code(response) == "DUPLICATE_VALUE"
    assert response.json()["error"]["details"] == {"property": "email"}
    assert [o["id"] for o in data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))["results"]] == [original]

    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{taker['id']}", tenant.token, json={"properties": {"email": "b@x.io"}}))
    assert data(await api.rest("POST", f"/v1/objects/{type_id}/{original}/restore", tenant.token))["properties"]["email"] == "a@x.io"


async def test_force_delete_without_associations_deletes_for_good(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [object_id] = await make_objects(tenant, type_id, [{"name": "A"}])
    path = f"/v1/objects/{type_id}/{object_id}"
    data(await api.rest("PATCH", path, tenant.token, json={"properties": {"name": "B"}}))

    assert data(await api.rest("DELETE", path, tenant.token, params={"force": "true"})) == {"id": object_id, "deleted": True}
    assert (await api.rest("GET", path, tenant.token)).status_code == 404
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))["total"] == 0
    assert (await api.rest("GET", f"{path}/versions", tenant.token)).status_code == 404
    assert (await api.rest("POST", f"{path}/restore", tenant.token)).status_code == 404
    assert await ObjectVersion.filter(object_id=object_id).count() == 0


async def test_force_delete_of_a_trashed_object_purges_it(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    [object_id] = await make_objects(tenant, type_id, [{"name": "A"}])
    path = f"/v1/objects/{type_id}/{object_id}"
    data(await api.rest("DELETE", path, tenant.token))
    data(await api.rest("DELETE", path, tenant.token, params={"force": "true"}))
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))["total"] == 0


async def test_force_delete_with_associations_is_a_secure_deletion(api: Api, tenant: TenantHandle) -> None:
    people = await make_type(tenant, "people", [{"name": "name", "data_type": "string"}])
    companies = await make_type(tenant, "companies", [{"name": "name", "data_type": "string"}])
    [ann] = await make_objects(tenant, people, [{"name": "Ann"}])
    [acme] = await make_objects(tenant, companies, [{"name": "Acme"}])
    await Association.create(
        id=new_id("assoc"), tenant_id=tenant.tenant_id, from_type=people, from_id=ann,
        association_type="works_at", to_type=companies, to_id=acme, meta={},
    )
    path = f"/v1/objects/{companies}/{acme}"

    refused = await api.rest("DELETE", path, tenant.token, params={"force": "true"})
    assert refused.status_code == 409 and error_code(refused) == "DEPENDENCY_EXISTS"
    error = refused.json()["error"]
    assert [(d["type"], d["count"]) for d in error["dependencies"]] == [("associations", 1)]
    assert data(await api.rest("GET", path, tenant.token))["id"] == acme

    wrong = await api.rest("DELETE", path, tenant.token, params={"force": "true", "confirm_token": "forged.token"})
    assert wrong.status_code == 409 and error_code(wrong) == "DEPENDENCY_EXISTS"

    confirmed = await api.rest("DELETE", path, tenant.token, params={"force": "true", "confirm_token": error["confirm_token"]})
    assert data(confirmed) == {"id": acme, "deleted": True}
    assert (await api.rest("GET", path, tenant.token)).status_code == 404
    assert await Association.filter(tenant_id=tenant.tenant_id).count() == 0
    assert data(await api.rest("GET", f"/v1/objects/{people}/{ann}", tenant.token))["id"] == ann


async def test_a_plain_delete_of_an_associated_object_only_trashes_it(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "people", [{"name": "name", "data_type": "string"}])
    ann, bob = await make_objects(tenant, type_id, [{"name": "Ann"}, {"name": "Bob"}])
    await Association.create(
        id=new_id("assoc"), tenant_id=tenant.tenant_id, from_type=type_id, from_id=ann,
        association_type="knows", to_type=type_id, to_id=bob, meta={},
    )
    data(await api.rest("DELETE", f"/v1/objects/{type_id}/{bob}", tenant.token))
    assert await Association.filter(tenant_id=tenant.tenant_id).count() == 1
    data(await api.rest("POST", f"/v1/objects/{type_id}/{bob}/restore", tenant.token))


# --- batches ---------------------------------------------------------------------------------


async def test_batch_create_takes_up_to_100_objects(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    objects = [{"properties": {"name": f"n{i}", "score": i}} for i in range(100)]
    created = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": objects}), 201)
    assert created["created"] == 100 and len(set(created["ids"])) == 100
    read = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": created["ids"][:3]}))
    assert [o["properties"]["name"] for o in read] == ["n0", "n1", "n2"]

    too_many = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": objects + objects[:1]})
    assert too_many.status_code == 400 and error_fields(too_many) == {"objects"}
    empty = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": []})
    assert empty.status_code == 400 and error_fields(empty) == {"objects"}
    assert await count_live(api, tenant, type_id) == 100


async def limit_objects(tenant: TenantHandle, limit: int) -> None:
    """The tenant's own quota override, as an operator would set it."""
    await Tenant.filter(id=tenant.tenant_id).update(quotas={"objects": limit})
    quota.forget(tenant.tenant_id)


async def test_the_plans_object_quota_refuses_creates_past_it(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    await limit_objects(tenant, 3)
    await make_objects(tenant, type_id, [{"name": "a"}, {"name": "b"}])

    batch = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token,
                           json={"objects": [{"properties": {"name": "c"}}, {"properties": {"name": "d"}}]})
    assert batch.status_code == 403 and error_code(batch) == "QUOTA_EXCEEDED"
    assert batch.json()["error"]["details"] == {"limit": 3, "used": 2, "adding": 2}

    data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": "c"}}), 201)
    over = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"name": "d"}})
    assert over.status_code == 403 and error_code(over) == "QUOTA_EXCEEDED"
    result = await api.gql(f'mutation {{ createObject(objectTypeId: "{type_id}", properties: {{name: "e"}}) {{ id }} }}', tenant.token)
    assert gql_code(result) == "QUOTA_EXCEEDED"
    assert await count_live(api, tenant, type_id) == 3


async def test_an_import_past_the_object_quota_imports_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    await limit_objects(tenant, 2)

    body = {"object_type_id": type_id, "format": "json", "data": [{"name": n} for n in ("a", "b", "c")]}
    refused = await api.rest("POST", "/v1/data/import", tenant.token, json=body)

    assert refused.status_code == 403 and error_code(refused) == "QUOTA_EXCEEDED"
    assert await count_live(api, tenant, type_id) == 0


async def test_batch_create_is_all_or_nothing_and_lists_every_bad_item(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    objects = [
        {"properties": {"name": "ok", "score": 1}},
        {"properties": {"name": "bad", "score": "high"}},
        {"properties": {"score": 2}},
        {"properties": {"name": "ok too"}},
    ]
    response = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": objects})
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"
    assert error_fields(response) == {"objects[1].properties.score", "objects[2].properties.name"}
    assert await count_live(api, tenant, type_id) == 0


async def test_batch_create_refuses_unique_values_repeated_within_the_batch(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    objects = [
        {"properties": {"name": "a", "email": "same@x.io"}},
        {"properties": {"name": "b", "email": "other@x.io"}},
        {"properties": {"name": "c", "email": "same@X.io"}},
    ]
    response = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": objects})
    assert response.status_code == 400 and error_fields(response) == {"objects[2].properties.email"}
    assert await count_live(api, tenant, type_id) == 0

    # A clash with a stored object is found by the database and rolls the whole batch back.
    await make_objects(tenant, type_id, [{"name": "stored", "email": "other@x.io"}])
    clash = await api.rest("POST", f"/v1/objects/{type_id}/batch/create", tenant.token, json={"objects": objects[:2]})
    assert clash.status_code == 409 and error_code(clash) == "DUPLICATE_VALUE"
    assert await count_live(api, tenant, type_id) == 1


async def test_batch_read_keeps_the_requested_order_and_skips_what_it_cannot_see(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    a, b, c, trashed = await make_objects(tenant, type_id, [{"name": n} for n in "abcd"])
    data(await api.rest("DELETE", f"/v1/objects/{type_id}/{trashed}", tenant.token))
    foreign_type = await make_type(other_tenant, "contacts", CONTACT_PROPERTIES)
    [foreign] = await make_objects(other_tenant, foreign_type, [{"name": "theirs"}])

    asked = [c, foreign, a, "obj_unknown", trashed, b, c]
    read = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": asked}))
    assert [o["id"] for o in read] == [c, a, b]
    assert [o["properties"]["name"] for o in read] == ["c", "a", "b"]

    too_many = await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": [a] * 101})
    assert too_many.status_code == 400 and error_fields(too_many) == {"object_ids"}


async def test_batch_update_returns_new_versions_and_is_all_or_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    a, b = await make_objects(tenant, type_id, [{"name": "a", "score": 1}, {"name": "b", "score": 2}])
    url = f"/v1/objects/{type_id}/batch/update"

    updates = [{"object_id": a, "properties": {"score": 10}}, {"object_id": b, "properties": {"score": 20, "name": "B"}}]
    assert data(await api.rest("POST", url, tenant.token, json={"updates": updates})) == [
        {"object_id": a, "version": 2},
        {"object_id": b, "version": 2},
    ]

    bad = [{"object_id": a, "properties": {"score": 11}}, {"object_id": b, "properties": {"score": "x"}}]
    response = await api.rest("POST", url, tenant.token, json={"updates": bad})
    assert response.status_code == 400 and error_fields(response) == {"updates[1].properties.score"}

    unknown = [{"object_id": a, "properties": {"score": 11}}, {"object_id": "obj_unknown", "properties": {"score": 1}}]
    response = await api.rest("POST", url, tenant.token, json={"updates": unknown})
    assert response.status_code == 400 and error_fields(response) == {"updates[1].object_id"}

    twice = [{"object_id": a, "properties": {"score": 11}}, {"object_id": a, "properties": {"score": 12}}]
    assert (await api.rest("POST", url, tenant.token, json={"updates": twice})).status_code == 400

    stale = [{"object_id": a, "properties": {"score": 11}, "expected_version": 2}, {"object_id": b, "properties": {"score": 21}, "expected_version": 1}]
    response = await api.rest("POST", url, tenant.token, json={"updates": stale})
    assert response.status_code == 409 and error_code(response) == "VERSION_CONFLICT"
    assert response.json()["error"]["details"][0]["field"] == "updates[1].expected_version"

    too_many = [{"object_id": a, "properties": {}}] * 101
    assert error_fields(await api.rest("POST", url, tenant.token, json={"updates": too_many})) == {"updates"}

    read = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": [a, b]}))
    assert [(o["version"], o["properties"]) for o in read] == [(2, {"name": "a", "score": 10}), (2, {"name": "B", "score": 20})]


async def test_a_batch_update_that_breaks_uniqueness_rolls_back_the_earlier_items(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    a, b = await make_objects(tenant, type_id, [{"name": "a", "email": "a@x.io"}, {"name": "b", "email": "b@x.io"}])
    updates = [{"object_id": a, "properties": {"name": "changed"}}, {"object_id": b, "properties": {"email": "a@x.io"}}]
    response = await api.rest("POST", f"/v1/objects/{type_id}/batch/update", tenant.token, json={"updates": updates})
    assert response.status_code == 409 and error_code(response) == "DUPLICATE_VALUE"
    fetched = data(await api.rest("GET", f"/v1/objects/{type_id}/{a}", tenant.token))
    assert fetched["version"] == 1 and fetched["properties"]["name"] == "a"
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/{a}/versions", tenant.token)) == []


# --- lists: paging and sorting ---------------------------------------------------------------


async def list_page(api: Api, token: str, type_id: str, **params: Any) -> dict[str, Any]:
    if isinstance(params.get("filter"), (dict, list)):
        params["filter"] = json.dumps(params["filter"])
    return data(await api.rest("GET", f"/v1/objects/{type_id}/list", token, params=params))


async def test_list_pages_20_by_default_up_to_100(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    ids = await make_objects(tenant, type_id, [{"name": f"n{i}"} for i in range(25)])

    first = await list_page(api, tenant.token, type_id)
    assert len(first["results"]) == 20 and first["total"] == 25 and first["next_cursor"]
    assert [o["id"] for o in first["results"]] == ids[::-1][:20]  # newest first by default
    second = await list_page(api, tenant.token, type_id, cursor=first["next_cursor"])
    assert [o["id"] for o in second["results"]] == ids[::-1][20:]
    assert second["next_cursor"] is None and second["total"] == 25

    everything = await list_page(api, tenant.token, type_id, limit=100)
    assert len(everything["results"]) == 25 and everything["next_cursor"] is None
    for bad in ("101", "0", "-1", "ten"):
        response = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"limit": bad})
        assert response.status_code == 400 and error_fields(response) == {"limit"}, bad

    garbage = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400 and error_fields(garbage) == {"cursor"}
    other_sort = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"cursor": first["next_cursor"], "sort": "updated_at"})
    assert other_sort.status_code == 400 and error_fields(other_sort) == {"cursor"}


async def test_list_sorts_by_system_fields_and_sortable_properties(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    a, b, c, d = await make_objects(tenant, type_id, [{"name": "a", "score": 5}, {"name": "b", "score": -2}, {"name": "c"}, {"name": "d", "score": 30}])
    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{a}", tenant.token, json={"properties": {"name": "a2"}}))

    async def order(**params: Any) -> list[str]:
        pages, cursor = [], None
        while True:
            page = await list_page(api, tenant.token, type_id, limit=2, **params, **({"cursor": cursor} if cursor else {}))
            pages += [o["id"] for o in page["results"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return pages

    assert await order(sort="created_at", order="asc") == [a, b, c, d]
    assert await order(sort="created_at", order="desc") == [d, c, b, a]
    assert await order(sort="updated_at", order="desc") == [a, d, c, b]
    assert await order(sort="updated_at", order="asc") == [b, c, d, a]
    # Property sorts default to ascending; a missing value sorts last ascending, first descending.
    assert await order(sort="score") == [b, a, d, c]
    assert await order(sort="score", order="asc") == [b, a, d, c]
    assert await order(sort="score", order="DESC") == [c, d, a, b]

    for params, field in (({"sort": "name"}, "sort"), ({"sort": "nickname"}, "sort"), ({"sort": "score", "order": "up"}, "order")):
        response = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params=params)
        assert response.status_code == 400 and error_fields(response) == {field}, params


async def test_list_sorts_exact_decimals_numerically(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "prices", [{"name": "price", "data_type": "decimal", "is_sortable": True}])
    prices = ["10", "9.99", "100.5", "0.001", "-1"]
    await make_objects(tenant, type_id, [{"price": p} for p in prices])
    page = await list_page(api, tenant.token, type_id, sort="price")
    assert [o["properties"]["price"] for o in page["results"]] == ["-1", "0.001", "9.99", "10", "100.5"]

    # The cursor carries the exact decimal, so paging resumes at the right value.
    seen, cursor = [], None
    while True:
        page = await list_page(api, tenant.token, type_id, sort="price", order="desc", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [o["properties"]["price"] for o in page["results"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == ["100.5", "10", "9.99", "0.001", "-1"]


async def test_list_sorts_and_pages_by_a_datetime_property(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "events", [{"name": "at", "data_type": "datetime", "is_sortable": True}])
    moments = ["2026-05-01T12:00:00+02:00", "2026-05-01T09:30:00Z", "2025-12-31T23:59:59.999Z", "2026-05-01T10:00:00.5Z"]
    await make_objects(tenant, type_id, [{"at": m} for m in moments])
    first = await list_page(api, tenant.token, type_id, sort="at", limit=2)
    rest = await list_page(api, tenant.token, type_id, sort="at", limit=2, cursor=first["next_cursor"])
    assert [o["properties"]["at"] for o in first["results"] + rest["results"]] == [
        "2025-12-31T23:59:59.999Z",
        "2026-05-01T09:30:00.000Z",
        "2026-05-01T10:00:00.000Z",
        "2026-05-01T10:00:00.500Z",
    ]


@pytest.mark.parametrize("sort", ["created_at", "score"])
async def test_cursor_paging_is_stable_while_rows_come_and_go(api: Api, tenant: TenantHandle, sort: str) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    # Repeated and missing scores, so the keyset has ties and NULLs to step over.
    scores = [3, None, 1, 3, 7, None, 3, 5, 1, 9, None, 2]
    ids = await make_objects(tenant, type_id, [{"name": f"n{i}", **({"score": s} if s is not None else {})} for i, s in enumerate(scores)])
    throughout = set(ids)
    seen: list[str] = []
    cursor = None
    step = 0
    while True:
        params: dict[str, Any] = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await list_page(api, tenant.token, type_id, **params)
        seen += [o["id"] for o in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # Between pages: insert rows on both sides of the cursor and delete one seen, one unseen row.
        step += 1
        await make_objects(tenant, type_id, [{"name": f"new{step}a", "score": 0}, {"name": f"new{step}b", "score": 8}, {"name": f"new{step}c"}])
        unseen = sorted(throughout - set(seen))
        for victim in ([seen[0]] if seen[0] in throughout else []) + unseen[:1]:
            data(await api.rest("DELETE", f"/v1/objects/{type_id}/{victim}", tenant.token))
            throughout.discard(victim)
        assert step < 20, "paging did not end"

    assert len(seen) == len(set(seen)), "a row was repeated"
    assert throughout <= set(seen), "a row that existed throughout was skipped"


# --- lists: filters --------------------------------------------------------------------------

CATALOG_PROPERTIES = [
    {"name": "name", "data_type": "string", "is_required": True},
    {"name": "score", "data_type": "integer", "is_sortable": True},
    {"name": "price", "data_type": "decimal", "is_indexed": True},
    {"name": "seen_at", "data_type": "datetime"},
    {"name": "status", "data_type": "enum", "enum_values": ["new", "active", "closed"]},
    {"name": "tags", "data_type": "multi_enum", "enum_values": ["red", "green", "blue"]},
    {"name": "active", "data_type": "boolean"},
    {"name": "note", "data_type": "text"},
    {"name": "meta", "data_type": "json"},
]

CATALOG = {
    "alpha": {"name": "Alpha", "score": 1, "price": "0.10", "seen_at": "2026-01-01T00:00:00Z", "status": "new",
              "tags": ["red"], "active": True, "note": "hello", "meta": [1, "x", {"k": 1}]},
    "beta": {"name": "beta", "score": 5, "price": "0.30", "seen_at": "2026-02-01T10:00:00+02:00", "status": "active",
             "tags": ["red", "green"], "active": False, "meta": ["x", {"k": 2}]},
    "gamma": {"name": "Gamma", "score": 10, "price": "12345.6789", "seen_at": "2026-03-01T00:00:00Z",
              "status": "closed", "tags": [], "active": True},
    "alphabet": {"name": "alphabet", "score": -3, "price": "2", "status": "active", "tags": ["blue", "green"],
                 "active": False, "note": "50% off_now"},
    "delta": {"name": "Delta", "rank": 3},
}

FILTER_CASES: list[tuple[str, Any, set[str]]] = [
    # integer
    ("int-bare-eq", {"score": 5}, {"beta"}),
    ("int-eq", {"score": {"eq": 5}}, {"beta"}),
    ("int-ne-keeps-missing", {"score": {"ne": 5}}, {"alpha", "gamma", "alphabet", "delta"}),
    ("int-gt", {"score": {"gt": 1}}, {"beta", "gamma"}),
    ("int-gte", {"score": {"gte": 1}}, {"alpha", "beta", "gamma"}),
    ("int-lt", {"score": {"lt": 1}}, {"alphabet"}),
    ("int-lte", {"score": {"lte": 5}}, {"alpha", "beta", "alphabet"}),
    ("int-range", {"score": {"gt": 0, "lt": 10}}, {"alpha", "beta"}),
    ("int-in", {"score": {"in": [1, 10, 99]}}, {"alpha", "gamma"}),
    ("int-nin-keeps-missing", {"score": {"nin": [1, 10]}}, {"beta", "alphabet", "delta"}),
    ("int-as-float", {"score": {"eq": 5.0}}, {"beta"}),
    # decimal: exact, not binary floating point
    ("dec-eq-trailing-zero", {"price": {"eq": "0.3"}}, {"beta"}),
    ("dec-eq-float-text", {"price": {"eq": 0.3}}, {"beta"}),
    ("dec-gt", {"price": {"gt": "0.1"}}, {"beta", "gamma", "alphabet"}),
    ("dec-gte", {"price": {"gte": "0.10"}}, {"alpha", "beta", "gamma", "alphabet"}),
    ("dec-lt", {"price": {"lt": "12345.679"}}, {"alpha", "beta", "gamma", "alphabet"}),
    ("dec-lte-integer", {"price": {"lte": 2}}, {"alpha", "beta", "alphabet"}),
    ("dec-between", {"price": {"gt": "12345.6788", "lt": "12345.67891"}}, {"gamma"}),
    ("dec-in", {"price": {"in": ["2.00", "0.1"]}}, {"alpha", "alphabet"}),
    # string
    ("str-eq-case-sensitive", {"name": "alpha"}, set()),
    ("str-ne", {"name": {"ne": "Alpha"}}, {"beta", "gamma", "alphabet", "delta"}),
    ("str-contains", {"name": {"contains": "lph"}}, {"alpha", "alphabet"}),
    ("str-contains-case-sensitive", {"name": {"contains": "ALPH"}}, set()),
    ("str-icontains", {"name": {"icontains": "ALPH"}}, {"alpha", "alphabet"}),
    ("str-starts-with", {"name": {"starts_with": "al"}}, {"alphabet"}),
    ("str-in", {"name": {"in": ["beta", "Delta", "nobody"]}}, {"beta", "delta"}),
    ("str-nin", {"name": {"nin": ["beta", "Delta"]}}, {"alpha", "gamma", "alphabet"}),
    ("str-gt", {"name": {"gt": "a"}}, {"beta", "alphabet"}),
    ("text-wildcards-are-literal", {"note": {"contains": "%"}}, {"alphabet"}),
    ("text-underscore-literal", {"note": {"starts_with": "50% off_"}}, {"alphabet"}),
    ("text-percent-no-match", {"note": {"starts_with": "%"}}, set()),
    ("text-is-null", {"note": {"is_null": True}}, {"beta", "gamma", "delta"}),
    ("text-is-not-null", {"note": {"is_null": False}}, {"alpha", "alphabet"}),
    # datetime: compared as instants, whatever offset was written
    ("dt-eq-other-offset", {"seen_at": "2026-02-01T08:00:00Z"}, {"beta"}),
    ("dt-gt", {"seen_at": {"gt": "2026-01-31T23:00:00-05:00"}}, {"beta", "gamma"}),
    ("dt-gte", {"seen_at": {"gte": "2026-02-01T08:00:00.000Z"}}, {"beta", "gamma"}),
    ("dt-lt", {"seen_at": {"lt": "2026-02-01T08:00:00Z"}}, {"alpha"}),
    ("dt-lte", {"seen_at": {"lte": "2026-02-01T10:00:00+02:00"}}, {"alpha", "beta"}),
    # enum
    ("enum-eq", {"status": "active"}, {"beta", "alphabet"}),
    ("enum-ne", {"status": {"ne": "active"}}, {"alpha", "gamma", "delta"}),
    ("enum-in", {"status": {"in": ["new", "closed"]}}, {"alpha", "gamma"}),
    ("enum-nin", {"status": {"nin": ["new", "closed"]}}, {"beta", "alphabet", "delta"}),
    # multi_enum: contains is membership
    ("multi-contains-one", {"tags": {"contains": "green"}}, {"beta", "alphabet"}),
    ("multi-contains-all", {"tags": {"contains": ["red", "green"]}}, {"beta"}),
    ("multi-contains-none-match", {"tags": {"contains": ["red", "blue"]}}, set()),
    ("multi-is-null", {"tags": {"is_null": True}}, {"delta"}),
    # json arrays: contains is membership too, nested values included
    ("json-contains-scalar", {"meta": {"contains": "x"}}, {"alpha", "beta"}),
    ("json-contains-object", {"meta": {"contains": {"k": 1}}}, {"alpha"}),
    ("json-contains-all", {"meta": {"contains": [1, {"k": 1}]}}, {"alpha"}),
    ("json-contains-absent-value", {"meta": {"contains": 2}}, set()),
    # boolean
    ("bool-true", {"active": True}, {"alpha", "gamma"}),
    ("bool-false", {"active": {"eq": False}}, {"beta", "alphabet"}),
    ("bool-ne-keeps-missing", {"active": {"ne": True}}, {"beta", "alphabet", "delta"}),
    # system fields
    ("system-version", {"version": {"eq": 1}}, {"alpha", "beta", "gamma", "alphabet", "delta"}),
    ("system-created-at", {"created_at": {"lt": "2000-01-01T00:00:00Z"}}, set()),
    # logic
    ("and", {"and": [{"score": {"gte": 1}}, {"active": True}]}, {"alpha", "gamma"}),
    ("or", {"or": [{"score": {"gte": 10}}, {"status": "new"}]}, {"alpha", "gamma"}),
    ("not", {"not": {"status": "active"}}, {"alpha", "gamma", "delta"}),
    ("not-complements-missing-values", {"not": {"active": True}}, {"beta", "alphabet", "delta"}),
    ("not-of-or", {"not": {"or": [{"score": {"gt": 1}}, {"name": {"starts_with": "A"}}]}}, {"alphabet", "delta"}),
    ("nested", {"or": [{"and": [{"tags": {"contains": "green"}}, {"not": {"score": {"lt": 0}}}]}, {"price": "0.1"}]}, {"beta", "alpha"}),
    ("top-level-keys-and", {"status": "active", "score": {"gt": 0}}, {"beta"}),
]


@pytest.fixture
async def catalog(tenant: TenantHandle) -> tuple[str, dict[str, str]]:
    """A type with one property of each filterable kind, and five objects (names -> ids)."""
    type_id = await make_type(tenant, "catalog", CATALOG_PROPERTIES)
    ids = await make_objects(tenant, type_id, list(CATALOG.values()))
    return type_id, dict(zip(CATALOG, ids))


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
async def test_filter_operator(
    api: Api, tenant: TenantHandle, catalog: tuple[str, dict[str, str]], where: Any, expected: set[str]
) -> None:
    type_id, ids = catalog
    by_id = {v: k for k, v in ids.items()}
    page = await list_page(api, tenant.token, type_id, filter=where, limit=100)
    assert {by_id[o["id"]] for o in page["results"]} == expected
    assert page["total"] == len(expected)


async def test_decimals_compare_exactly_beyond_float_precision(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "ledger", [{"name": "amount", "data_type": "decimal", "is_sortable": True}])
    ids = await make_objects(tenant, type_id, [{"amount": "1234567890123456.01"}, {"amount": "1234567890123456.02"}])
    page = await list_page(api, tenant.token, type_id, filter={"amount": {"gt": "1234567890123456.01"}})
    assert [o["id"] for o in page["results"]] == ids[1:]
    page = await list_page(api, tenant.token, type_id, filter={"amount": "1234567890123456.01"})
    assert [o["id"] for o in page["results"]] == ids[:1]
    page = await list_page(api, tenant.token, type_id, sort="amount", order="desc")
    assert [o["properties"]["amount"] for o in page["results"]] == ["1234567890123456.02", "1234567890123456.01"]



async def test_cursor_pages_through_decimals_that_differ_beyond_float_precision(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "ledger", [{"name": "amount", "data_type": "decimal", "is_sortable": True}])
    amounts = [f"1234567890123456.{i:02d}" for i in range(5)]
    await make_objects(tenant, type_id, [{"amount": a} for a in reversed(amounts)])
    seen, cursor = [], None
    while True:
        page = await list_page(api, tenant.token, type_id, sort="amount", order="asc", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [o["properties"]["amount"] for o in page["results"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == amounts


async def test_unique_decimals_compare_by_value_with_every_digit(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "ledger", [{"name": "amount", "data_type": "decimal", "is_unique": True}])
    await make_objects(tenant, type_id, [{"amount": "1234567890123456.01"}, {"amount": "1234567890123456.02"}])
    again = await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"amount": "1234567890123456.010"}})
    assert again.status_code == 409 and error_code(again) == "DUPLICATE_VALUE"

BAD_FILTERS: list[tuple[str, Any, str]] = [
    ("unknown-property", {"colour": "red"}, "filter.colour"),
    ("unknown-operator", {"score": {"between": [1, 2]}}, "filter.score"),
    ("wrong-value-type", {"score": {"gt": "high"}}, "filter.score.gt"),
    ("in-not-a-list", {"score": {"in": 1}}, "filter.score.in"),
    ("in-empty", {"score": {"in": []}}, "filter.score.in"),
    ("in-bad-item", {"score": {"in": [1, "x"]}}, "filter.score.in[1]"),
    ("null-value", {"score": None}, "filter.score.eq"),
    ("is-null-not-bool", {"score": {"is_null": "yes"}}, "filter.score.is_null"),
    ("contains-on-integer", {"score": {"contains": 1}}, "filter.score.contains"),
    ("icontains-on-multi-enum", {"tags": {"icontains": "red"}}, "filter.tags.icontains"),
    ("multi-contains-outside-values", {"tags": {"contains": "purple"}}, "filter.tags.contains"),
    ("multi-contains-object", {"tags": {"contains": {"a": 1}}}, "filter.tags.contains"),
    ("multi-contains-empty-list", {"tags": {"contains": []}}, "filter.tags.contains"),
    ("ordered-boolean", {"active": {"gt": False}}, "filter.active.gt"),
    ("enum-outside-values", {"status": "gone"}, "filter.status.eq"),
    ("or-not-a-list", {"or": {"score": 1}}, "filter.or"),
    ("not-empty", {"not": {}}, "filter.not"),
    ("empty-string-contains", {"name": {"contains": ""}}, "filter.name.contains"),
    ("injection-key", {"score') OR 1=1 --": 1}, "filter.score') OR 1=1 --"),
    ("injection-json-path", {"score.x": 1}, "filter.score.x"),
    ("reserved-word", {"deleted_at": {"is_null": False}}, "filter.deleted_at"),
    ("tenant-column", {"tenant_id": "tn_x"}, "filter.tenant_id"),
]


@pytest.mark.parametrize(("where", "field"), [c[1:] for c in BAD_FILTERS], ids=[c[0] for c in BAD_FILTERS])
async def test_bad_filter_is_400_naming_the_path(
    api: Api, tenant: TenantHandle, catalog: tuple[str, dict[str, str]], where: Any, field: str
) -> None:
    type_id, _ = catalog
    response = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"filter": json.dumps(where)})
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", response.text
    assert error_fields(response) == {field}
    assert "results" not in response.text


async def test_injection_attempts_match_nothing_and_leak_nothing(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle, catalog: tuple[str, dict[str, str]]
) -> None:
    type_id, _ = catalog
    foreign_type = await make_type(other_tenant, "catalog", CATALOG_PROPERTIES)
    await make_objects(other_tenant, foreign_type, [{"name": "x' OR '1'='1"}])
    for where in ({"name": "x' OR '1'='1"}, {"name": {"contains": "') OR 1=1 --"}}, {"name": {"in": ["a", "b') OR ('1'='1"]}}):
        page = await list_page(api, tenant.token, type_id, filter=where)
        assert page["results"] == [] and page["total"] == 0, where
    response = await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token, params={"sort": "score') OR 1=1 --"})
    assert response.status_code == 400 and error_fields(response) == {"sort"}


async def test_filter_must_be_json_within_limits(api: Api, tenant: TenantHandle, catalog: tuple[str, dict[str, str]]) -> None:
    type_id, _ = catalog
    url = f"/v1/objects/{type_id}/list"
    response = await api.rest("GET", url, tenant.token, params={"filter": "{score: 1"})
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR" and error_fields(response) == {"filter"}

    deep: dict[str, Any] = {"score": 1}
    for _ in range(10):
        deep = {"not": deep}
    response = await api.rest("GET", url, tenant.token, params={"filter": json.dumps(deep)})
    assert response.status_code == 400 and "deeper" in response.json()["error"]["details"][0]["message"]

    wide = {"or": [{"score": i} for i in range(101)]}
    response = await api.rest("GET", url, tenant.token, params={"filter": json.dumps(wide)})
    assert response.status_code == 400 and "at most 100 conditions" in response.json()["error"]["details"][0]["message"]

    within = {"or": [{"score": i} for i in range(100)]}
    assert (await list_page(api, tenant.token, type_id, filter=within))["total"] == 3


# --- GraphQL ---------------------------------------------------------------------------------

OBJECTS_QUERY = """
query($type: ID!, $where: JSON, $orderBy: String, $order: String, $first: Int!, $after: String) {
  objects(objectTypeId: $type, where: $where, orderBy: $orderBy, order: $order, first: $first, after: $after) {
    edges { cursor node { id properties } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""


async def test_graphql_objects_connection_filters_sorts_and_pages(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    ids = await make_objects(tenant, type_id, [{"name": f"n{s}", "score": s} for s in (4, 1, 3, 9, 2)])
    by_score = dict(zip((4, 1, 3, 9, 2), ids))
    variables = {"type": type_id, "where": {"score": {"lt": 9}}, "orderBy": "score", "order": "desc", "first": 2}

    first = (await api.gql(OBJECTS_QUERY, tenant.token, **variables))["data"]["objects"]
    assert [e["node"]["id"] for e in first["edges"]] == [by_score[4], by_score[3]]
    assert first["edges"][0]["node"]["properties"] == {"name": "n4", "score": 4}
    assert first["totalCount"] == 4 and first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}

    second = (await api.gql(OBJECTS_QUERY, tenant.token, **variables, after=first["pageInfo"]["endCursor"]))["data"]["objects"]
    assert [e["node"]["id"] for e in second["edges"]] == [by_score[2], by_score[1]]
    assert second["pageInfo"]["hasNextPage"] is False

    # Any edge's cursor resumes right after that edge.
    resumed = (await api.gql(OBJECTS_QUERY, tenant.token, **variables, after=first["edges"][0]["cursor"]))["data"]["objects"]
    assert [e["node"]["id"] for e in resumed["edges"]] == [by_score[3], by_score[2]]

    bad = await api.gql(OBJECTS_QUERY, tenant.token, **{**variables, "where": {"nickname": "x"}})
    assert gql_code(bad) == "VALIDATION_ERROR" and bad["errors"][0]["extensions"]["details"][0]["field"] == "filter.nickname"


async def test_graphql_edge_cursors_on_a_decimal_sort_resume_after_their_edge(api: Api, tenant: TenantHandle) -> None:
    """Edge cursors carry the stored number, not the string clients see, so they compare as numbers."""
    type_id = await make_type(tenant, "invoices", [{"name": "amount", "data_type": "decimal", "is_sortable": True}])
    amounts = ["10.50", "9.75", "100.00", "2.25"]
    ids = dict(zip(amounts, await make_objects(tenant, type_id, [{"amount": a} for a in amounts])))
    variables = {"type": type_id, "orderBy": "amount", "order": "asc", "first": 2}

    first = (await api.gql(OBJECTS_QUERY, tenant.token, **variables))["data"]["objects"]
    assert [e["node"]["properties"]["amount"] for e in first["edges"]] == ["2.25", "9.75"]

    resumed = (await api.gql(OBJECTS_QUERY, tenant.token, **variables, after=first["edges"][0]["cursor"]))["data"]["objects"]
    assert [e["node"]["id"] for e in resumed["edges"]] == [ids["9.75"], ids["10.50"]]
    last = (await api.gql(OBJECTS_QUERY, tenant.token, **variables, after=first["pageInfo"]["endCursor"]))["data"]["objects"]
    assert [e["node"]["id"] for e in last["edges"]] == [ids["10.50"], ids["100.00"]]
    assert gql_code(await api.gql(OBJECTS_QUERY, tenant.token, **{**variables, "first": 101})) == "VALIDATION_ERROR"


async def test_graphql_object_lifecycle(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    fields = "id version isDeleted properties createdBy"

    created = await api.gql(
        f"mutation($type: ID!, $p: JSON!) {{ createObject(objectTypeId: $type, properties: $p) {{ {fields} }} }}",
        tenant.token, type=type_id, p={"name": "Ann", "price": "1.50"},
    )
    node = created["data"]["createObject"]
    assert node["version"] == 1 and node["properties"] == {"name": "Ann", "price": "1.50"} and node["createdBy"] == tenant.key_id

    update = f"mutation($type: ID!, $id: ID!, $p: JSON!, $v: Int) {{ updateObject(objectTypeId: $type, id: $id, properties: $p, expectedVersion: $v) {{ {fields} }} }}"
    updated = (await api.gql(update, tenant.token, type=type_id, id=node["id"], p={"score": 7}, v=1))["data"]["updateObject"]
    assert updated["version"] == 2 and updated["properties"]["score"] == 7
    assert gql_code(await api.gql(update, tenant.token, type=type_id, id=node["id"], p={"score": 8}, v=1)) == "VERSION_CONFLICT"

    versions = await api.gql(
        "query($type: ID!, $id: ID!) { objectVersions(objectTypeId: $type, objectId: $id) { version properties } }",
        tenant.token, type=type_id, id=node["id"],
    )
    assert versions["data"]["objectVersions"] == [{"version": 1, "properties": {"name": "Ann", "price": "1.50"}}]

    deleted = await api.gql(
        "mutation($type: ID!, $id: ID!) { deleteObject(objectTypeId: $type, id: $id) { id deleted } }", tenant.token, type=type_id, id=node["id"]
    )
    assert deleted["data"]["deleteObject"] == {"id": node["id"], "deleted": True}
    get = "query($type: ID!, $id: ID!) { object(objectTypeId: $type, id: $id) { id isDeleted } }"
    assert gql_code(await api.gql(get, tenant.token, type=type_id, id=node["id"])) == "NOT_FOUND"

    restored = await api.gql(
        f"mutation($type: ID!, $id: ID!) {{ restoreObject(objectTypeId: $type, id: $id) {{ {fields} }} }}", tenant.token, type=type_id, id=node["id"]
    )
    assert restored["data"]["restoreObject"]["isDeleted"] is False
    assert (await api.gql(get, tenant.token, type=type_id, id=node["id"]))["data"]["object"] == {"id": node["id"], "isDeleted": False}


async def test_graphql_batch_create_is_all_or_nothing(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    mutation = "mutation($type: ID!, $objects: [ObjectInput!]!) { batchCreateObjects(objectTypeId: $type, objects: $objects) { created ids } }"

    result = await api.gql(mutation, tenant.token, type=type_id, objects=[{"properties": {"name": "a"}}, {"properties": {"name": "b"}}])
    assert result["data"]["batchCreateObjects"]["created"] == 2

    bad = await api.gql(mutation, tenant.token, type=type_id, objects=[{"properties": {"name": "c"}}, {"properties": {"score": "x"}}])
    assert gql_code(bad) == "VALIDATION_ERROR"
    assert {d["field"] for d in bad["errors"][0]["extensions"]["details"]} == {"objects[1].properties.score", "objects[1].properties.name"}
    assert await count_live(api, tenant, type_id) == 2


# --- scopes and tenant isolation -------------------------------------------------------------


async def test_a_read_only_key_reads_but_cannot_write(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    live, trashed = await make_objects(tenant, type_id, [{"name": "live"}, {"name": "trashed"}])
    data(await api.rest("DELETE", f"/v1/objects/{type_id}/{trashed}", tenant.token))
    reader = await read_only_token(api, tenant)
    base = f"/v1/objects/{type_id}"

    assert [o["id"] for o in data(await api.rest("GET", f"{base}/list", reader))["results"]] == [live]
    assert data(await api.rest("GET", f"{base}/{live}", reader))["id"] == live
    assert data(await api.rest("GET", f"{base}/{live}/versions", reader)) == []
    assert data(await api.rest("GET", f"{base}/trash", reader))["total"] == 1
    assert len(data(await api.rest("POST", f"{base}/batch/read", reader, json={"object_ids": [live]}))) == 1

    writes = [
        ("POST", base, {"properties": {"name": "x"}}),
        ("PATCH", f"{base}/{live}", {"properties": {"name": "x"}}),
        ("DELETE", f"{base}/{live}", None),
        ("POST", f"{base}/{trashed}/restore", None),
        ("POST", f"{base}/batch/create", {"objects": [{"properties": {"name": "x"}}]}),
        ("POST", f"{base}/batch/update", {"updates": [{"object_id": live, "properties": {"name": "x"}}]}),
    ]
    for method, path, body in writes:
        response = await api.rest(method, path, reader, **({"json": body} if body else {}))
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", (method, path)
    assert data(await api.rest("GET", f"{base}/{live}", tenant.token))["version"] == 1
    assert await count_live(api, tenant, type_id) == 1

    created = await api.gql("mutation($t: ID!) { createObject(objectTypeId: $t, properties: {name: \"x\"}) { id } }", reader, t=type_id)
    assert gql_code(created) == "INSUFFICIENT_SCOPE"


async def test_another_tenant_sees_404_on_every_objects_route(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "contacts", CONTACT_PROPERTIES)
    live, trashed = await make_objects(tenant, type_id, [{"name": "live", "score": 1}, {"name": "trashed"}])
    data(await api.rest("PATCH", f"/v1/objects/{type_id}/{live}", tenant.token, json={"properties": {"score": 2}}))
    data(await api.rest("DELETE", f"/v1/objects/{type_id}/{trashed}", tenant.token))
    # The other tenant has a type of the same name: only ids decide, and ids are per tenant.
    own_type = await make_type(other_tenant, "contacts", CONTACT_PROPERTIES)

    calls = [
        ("GET", "/v1/objects/{t}/list", None),
        ("GET", "/v1/objects/{t}/trash", None),
        ("POST", "/v1/objects/{t}", {"properties": {"name": "x"}}),
        ("POST", "/v1/objects/{t}/batch/create", {"objects": [{"properties": {"name": "x"}}]}),
        ("POST", "/v1/objects/{t}/batch/read", {"object_ids": [live]}),
        ("POST", "/v1/objects/{t}/batch/update", {"updates": [{"object_id": live, "properties": {"name": "x"}}]}),
        ("GET", f"/v1/objects/{{t}}/{live}", None),
        ("PATCH", f"/v1/objects/{{t}}/{live}", {"properties": {"name": "x"}}),
        ("GET", f"/v1/objects/{{t}}/{live}/versions", None),
        ("DELETE", f"/v1/objects/{{t}}/{live}", None),
        ("DELETE", f"/v1/objects/{{t}}/{live}?force=true", None),
        ("POST", f"/v1/objects/{{t}}/{trashed}/restore", None),
    ]
    for method, template, body in calls:
        response = await api.rest(method, template.format(t=type_id), other_tenant.token, **({"json": body} if body else {}))
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, template)

    # Through its own type the other tenant still cannot reach the objects.
    for method, template, body in calls[6:]:
        response = await api.rest(method, template.format(t=own_type), other_tenant.token, **({"json": body} if body else {}))
        assert response.status_code == 404, (method, template)
    read = await api.rest("POST", f"/v1/objects/{own_type}/batch/read", other_tenant.token, json={"object_ids": [live, trashed]})
    assert data(read) == []
    update = await api.rest("POST", f"/v1/objects/{own_type}/batch/update", other_tenant.token, json={"updates": [{"object_id": live, "properties": {}}]})
    assert update.status_code == 400 and error_fields(update) == {"updates[0].object_id"}

    gql = await api.gql(OBJECTS_QUERY, other_tenant.token, type=type_id, first=5)
    assert gql_code(gql) == "NOT_FOUND"
    mine = data(await api.rest("GET", f"/v1/objects/{type_id}/{live}", tenant.token))
    assert mine["version"] == 2 and mine["properties"] == {"name": "live", "score": 2}
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/trash", tenant.token))["total"] == 1
