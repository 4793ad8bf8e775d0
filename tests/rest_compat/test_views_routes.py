"""Saved views over REST and GraphQL: create, list, patch, delete, and applying one to a list."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import Api, TenantHandle, data, error_code, gql_code, make_objects, make_type

PROPERTIES = [
    {"name": "name", "data_type": "string", "is_required": True},
    {"name": "score", "data_type": "integer", "is_sortable": True},
    {"name": "status", "data_type": "enum", "enum_values": ["open", "won", "lost"]},
    {"name": "notes", "data_type": "text"},
]

HOT_DEALS = {
    "name": "Hot deals",
    "filters": [{"status": "open"}, {"score": {"gte": 5}}],
    "sort": {"field": "score", "order": "desc"},
    "columns": ["name", "score", "created_at"],
}


def views_url(type_id: str, view_id: str | None = None) -> str:
    return f"/v1/object-types/{type_id}/views" + (f"/{view_id}" if view_id else "")


def error_fields(response: httpx.Response) -> set[str]:
    return {d["field"] for d in response.json()["error"]["details"]}


async def test_create_list_patch_delete(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)

    created = data(await api.rest("POST", views_url(type_id), tenant.token, json=HOT_DEALS), 201)
    assert created["id"].startswith("view_") and created["object_type_id"] == type_id
    assert {k: created[k] for k in HOT_DEALS} == HOT_DEALS
    assert created["created_by"] == tenant.key_id

    plain = data(await api.rest("POST", views_url(type_id), tenant.token, json={"name": "Everything"}), 201)
    assert (plain["filters"], plain["sort"], plain["columns"]) == ([], {}, [])
    assert [v["id"] for v in data(await api.rest("GET", views_url(type_id), tenant.token))] == [created["id"], plain["id"]]

    patched = data(await api.rest("PATCH", views_url(type_id, created["id"]), tenant.token, json={"name": "Warm deals", "filters": {"score": {"gte": 3}}}))
    assert patched["name"] == "Warm deals" and patched["filters"] == [{"score": {"gte": 3}}]
    assert patched["sort"] == HOT_DEALS["sort"] and patched["columns"] == HOT_DEALS["columns"]  # untouched fields stay

    cleared = data(await api.rest("PATCH", views_url(type_id, created["id"]), tenant.token, json={"sort": None, "columns": []}))
    assert cleared["sort"] == {} and cleared["columns"] == [] and cleared["filters"] == [{"score": {"gte": 3}}]

    assert data(await api.rest("DELETE", views_url(type_id, created["id"]), tenant.token)) == {"deleted": True}
    assert [v["id"] for v in data(await api.rest("GET", views_url(type_id), tenant.token))] == [plain["id"]]
    for method, body in (("DELETE", None), ("PATCH", {"name": "again"})):
        response = await api.rest(method, views_url(type_id, created["id"]), tenant.token, **({"json": body} if body else {}))
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", method


async def test_views_belong_to_their_type(api: Api, tenant: TenantHandle) -> None:
    deals = await make_type(tenant, "deals", PROPERTIES)
    leads = await make_type(tenant, "leads", PROPERTIES)
    view = data(await api.rest("POST", views_url(deals), tenant.token, json={"name": "Mine"}), 201)
    assert data(await api.rest("GET", views_url(leads), tenant.token)) == []
    assert (await api.rest("PATCH", views_url(leads, view["id"]), tenant.token, json={"name": "x"})).status_code == 404
    assert (await api.rest("DELETE", views_url(leads, view["id"]), tenant.token)).status_code == 404
    listed = await api.rest("GET", f"/v1/objects/{leads}/list", tenant.token, params={"view_id": view["id"]})
    assert listed.status_code == 404 and error_code(listed) == "NOT_FOUND"
    missing = await api.rest("GET", views_url(f"ot_{'0' * 20}"), tenant.token)
    assert missing.status_code == 404


BAD_VIEWS: list[tuple[dict[str, Any], set[str]]] = [
    ({"name": ""}, {"name"}),
    ({"name": "x" * 101}, {"name"}),
    ({"name": "v", "filters": [{"colour": "red"}]}, {"filters[0].colour"}),
    ({"name": "v", "filters": [{"score": {"gte": 1}}, {"score": {"between": [1, 2]}}]}, {"filters[1].score"}),
    ({"name": "v", "filters": [{"score": {"in": "1,2"}}]}, {"filters[0].score.in"}),
    ({"name": "v", "filters": ["status = 'open'"]}, {"filters[0]"}),
    ({"name": "v", "filters": [{"score') OR 1=1 --": 1}]}, {"filters[0].score') OR 1=1 --"}),
    ({"name": "v", "sort": {"field": "notes"}}, {"sort.field"}),
    ({"name": "v", "sort": {"field": "score", "order": "sideways"}}, {"sort.order"}),
    ({"name": "v", "sort": {"by": "score"}}, {"sort"}),
    ({"name": "v", "columns": ["name", "colour", "id"]}, {"columns[1]"}),
    ({"name": "", "sort": {"field": "nope"}, "columns": ["nope"]}, {"name", "sort.field", "columns[0]"}),
]


async def test_invalid_filters_sort_and_columns_are_400(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)
    for body, fields in BAD_VIEWS:
        response = await api.rest("POST", views_url(type_id), tenant.token, json=body)
        assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", body
        assert error_fields(response) == fields, body
    assert data(await api.rest("GET", views_url(type_id), tenant.token)) == []

    view = data(await api.rest("POST", views_url(type_id), tenant.token, json=HOT_DEALS), 201)
    for body, fields in BAD_VIEWS[2:11]:
        patch = {k: v for k, v in body.items() if k != "name"}
        response = await api.rest("PATCH", views_url(type_id, view["id"]), tenant.token, json=patch)
        assert response.status_code == 400 and error_fields(response) == fields, patch
    assert data(await api.rest("GET", views_url(type_id), tenant.token))[0] == view

    unknown = await api.rest("POST", views_url(type_id), tenant.token, json={"name": "v", "colour": "red"})
    assert unknown.status_code == 400 and error_fields(unknown) == {"colour"}


async def test_list_with_view_id_applies_the_views_filters_and_sort(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)
    rows = [
        {"name": "a", "status": "open", "score": 5},
        {"name": "b", "status": "open", "score": 9},
        {"name": "c", "status": "won", "score": 10},
        {"name": "d", "status": "open", "score": 2},
        {"name": "e", "status": "open", "score": 7},
        {"name": "f", "status": "open"},
    ]
    await make_objects(tenant, type_id, rows)
    view = data(await api.rest("POST", views_url(type_id), tenant.token, json=HOT_DEALS), 201)
    url = f"/v1/objects/{type_id}/list"

    def names(page: dict[str, Any]) -> list[str]:
        return [o["properties"]["name"] for o in page["results"]]

    applied = data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"]}))
    assert names(applied) == ["b", "e", "a"] and applied["total"] == 3

    # Query parameters narrow the view further and override its sort.
    narrowed = data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"], "filter": json.dumps({"score": {"lt": 9}})}))
    assert names(narrowed) == ["e", "a"]
    resorted = data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"], "order": "asc"}))
    assert names(resorted) == ["a", "e", "b"]

    # Paging through a view keeps its sort.
    first = data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"], "limit": 2}))
    rest = data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"], "limit": 2, "cursor": first["next_cursor"]}))
    assert names(first) + names(rest) == ["b", "e", "a"] and rest["next_cursor"] is None

    # Editing the view changes what it lists.
    data(await api.rest("PATCH", views_url(type_id, view["id"]), tenant.token, json={"filters": [{"status": {"ne": "won"}}], "sort": {"field": "score"}}))
    assert names(data(await api.rest("GET", url, tenant.token, params={"view_id": view["id"]}))) == ["d", "a", "e", "b", "f"]

    unknown = await api.rest("GET", url, tenant.token, params={"view_id": "view_doesnotexist"})
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"


async def test_graphql_views_and_objects_by_view(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)
    await make_objects(tenant, type_id, [{"name": "a", "status": "open", "score": 6}, {"name": "b", "status": "lost", "score": 8}])
    create = "mutation($t: ID!, $input: CreateViewInput!) { createView(objectTypeId: $t, input: $input) { id name filters sort columns } }"

    view = (await api.gql(create, tenant.token, t=type_id, input=HOT_DEALS))["data"]["createView"]
    assert view["filters"] == HOT_DEALS["filters"] and view["sort"] == HOT_DEALS["sort"]
    bad = await api.gql(create, tenant.token, t=type_id, input={"name": "bad", "filters": [{"nope": 1}]})
    assert gql_code(bad) == "VALIDATION_ERROR"

    listed = await api.gql("query($t: ID!) { views(objectTypeId: $t) { id name } }", tenant.token, t=type_id)
    assert listed["data"]["views"] == [{"id": view["id"], "name": "Hot deals"}]

    objects = await api.gql(
        "query($t: ID!, $v: String) { objects(objectTypeId: $t, viewId: $v) { totalCount edges { node { properties } } } }",
        tenant.token, t=type_id, v=view["id"],
    )
    assert [e["node"]["properties"]["name"] for e in objects["data"]["objects"]["edges"]] == ["a"]

    update = "mutation($t: ID!, $id: ID!, $input: UpdateViewInput!) { updateView(objectTypeId: $t, id: $id, input: $input) { name columns } }"
    updated = await api.gql(update, tenant.token, t=type_id, id=view["id"], input={"columns": ["status"]})
    assert updated["data"]["updateView"] == {"name": "Hot deals", "columns": ["status"]}

    deleted = await api.gql("mutation($t: ID!, $id: ID!) { deleteView(objectTypeId: $t, id: $id) { id deleted } }", tenant.token, t=type_id, id=view["id"])
    assert deleted["data"]["deleteView"] == {"id": view["id"], "deleted": True}


async def test_a_read_only_key_lists_views_but_cannot_change_them(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)
    view = data(await api.rest("POST", views_url(type_id), tenant.token, json=HOT_DEALS), 201)
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "ro", "scopes": ["read"]}), 201)["token"]

    assert [v["id"] for v in data(await api.rest("GET", views_url(type_id), reader))] == [view["id"]]
    assert data(await api.rest("GET", f"/v1/objects/{type_id}/list", reader, params={"view_id": view["id"]}))["total"] == 0
    for method, url, body in (
        ("POST", views_url(type_id), {"name": "x"}),
        ("PATCH", views_url(type_id, view["id"]), {"name": "x"}),
        ("DELETE", views_url(type_id, view["id"]), None),
    ):
        response = await api.rest(method, url, reader, **({"json": body} if body else {}))
        assert response.status_code == 403 and error_code(response) == "INSUFFICIENT_SCOPE", method
    assert data(await api.rest("GET", views_url(type_id), tenant.token)) == [view]


async def test_another_tenant_sees_404_on_every_views_route(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals", PROPERTIES)
    view = data(await api.rest("POST", views_url(type_id), tenant.token, json=HOT_DEALS), 201)
    own_type = await make_type(other_tenant, "deals", PROPERTIES)

    for target in (type_id, own_type):
        calls: list[tuple[str, str, Any]] = [
            ("PATCH", views_url(target, view["id"]), {"name": "stolen"}),
            ("DELETE", views_url(target, view["id"]), None),
            ("GET", f"/v1/objects/{target}/list?view_id={view['id']}", None),
        ]
        if target == type_id:
            calls += [("GET", views_url(target), None), ("POST", views_url(target), {"name": "planted"})]
        for method, url, body in calls:
            response = await api.rest(method, url, other_tenant.token, **({"json": body} if body else {}))
            assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, url)

    assert data(await api.rest("GET", views_url(own_type), other_tenant.token)) == []
    gql = await api.gql("query($t: ID!) { views(objectTypeId: $t) { id } }", other_tenant.token, t=type_id)
    assert gql_code(gql) == "NOT_FOUND"
    assert data(await api.rest("GET", views_url(type_id), tenant.token)) == [view]
