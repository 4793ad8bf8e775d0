"""Comments over REST: users comment on objects they can read; only the author edits or deletes;
each change is an event."""

from __future__ import annotations

from models.events import Event
from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, data, error_code, make_type


async def test_users_comment_and_only_the_author_changes_a_comment(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "ticket", [{"name": "title", "data_type": "string"}])
    ticket = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "Broken"}}), 201)
    base = f"/v1/objects/{type_id}/{ticket['id']}/comments"
    ana = await sign_up(api, tenant, "ana@example.com")
    bob = await sign_up(api, tenant, "bob@example.com")

    first = data(await api.rest("POST", base, ana["access_token"], json={"body": "Looking"}), 201)
    second = data(await api.rest("POST", base, bob["access_token"], json={"body": "Me too"}), 201)
    assert first["author_id"] == ana["user"]["id"] and first["edited_at"] is None

    page = data(await api.rest("GET", f"{base}?limit=1", tenant.token))
    assert page["total"] == 2 and [c["id"] for c in page["results"]] == [second["id"]] and page["next_cursor"]
    rest = data(await api.rest("GET", f"{base}?limit=1&cursor={page['next_cursor']}", tenant.token))
    assert [c["id"] for c in rest["results"]] == [first["id"]] and rest["next_cursor"] is None

    refused = await api.rest("PATCH", f"{base}/{first['id']}", bob["access_token"], json={"body": "hijack"})
    assert refused.status_code == 403 and error_code(refused) == "FORBIDDEN"
    edited = data(await api.rest("PATCH", f"{base}/{first['id']}", ana["access_token"], json={"body": "Fixed it"}))
    assert edited["body"] == "Fixed it" and edited["edited_at"] is not None
    assert (await api.rest("DELETE", f"{base}/{second['id']}", ana["access_token"])).status_code == 403
    assert data(await api.rest("DELETE", f"{base}/{second['id']}", bob["access_token"])) == {"deleted": True}

    kinds = await Event.filter(tenant_id=tenant.tenant_id, type__startswith="comment.").order_by("id").values_list("type", flat=True)
    assert kinds == ["comment.created", "comment.created", "comment.updated", "comment.deleted"]


async def test_api_keys_cannot_comment_and_bad_input_is_refused(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "ticket", [{"name": "title", "data_type": "string"}])
    ticket = data(await api.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "x"}}), 201)
    base = f"/v1/objects/{type_id}/{ticket['id']}/comments"
    by_key = await api.rest("POST", base, tenant.token, json={"body": "hi"})
    assert by_key.status_code == 403 and "user" in by_key.json()["error"]["message"]
    user = await sign_up(api, tenant, "cy@example.com")
    empty = await api.rest("POST", base, user["access_token"], json={"body": "  "})
    assert empty.status_code == 400 and empty.json()["error"]["details"][0]["field"] == "body"
    missing = await api.rest("POST", f"/v1/objects/{type_id}/obj_missing/comments", user["access_token"], json={"body": "hi"})
    assert missing.status_code == 404
    assert (await api.rest("GET", base)).status_code == 401
    assert (await api.rest("GET", f"{base}?cursor=garbage", tenant.token)).status_code == 400
