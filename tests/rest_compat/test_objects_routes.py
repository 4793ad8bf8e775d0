"""Objects over REST and GraphQL: CRUD, versions, trash, batches, lists."""

from __future__ import annotations

from tests.support import Api, TenantHandle, data, error_code, make_objects, make_type

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
