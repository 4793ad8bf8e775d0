"""Comments over GraphQL (`POST /graphql`, in-process app): the `comments` query and the
createComment, updateComment and deleteComment mutations.

Covers a user's comments on an object (newest first, keyset pages through `nextCursor`, an edit
stamping `editedAt`, a delete), FORBIDDEN for another user's edit or delete and for an API key
(with a message saying a signed-in user is needed), NOT_FOUND for a missing object (or another
tenant's, or a comment of another object), VALIDATION_ERROR for an empty body or a forged cursor,
FORBIDDEN for a user whose role may not read the object's type, and the comment.created /
comment.updated / comment.deleted events on the tenant's event log (numbered by the relay, read
back with `resolvers.events.repository.after`: GraphQL has no list query for system events, only
the `events` subscription).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette

from resolvers.events import repository as event_log
from tests.support import Api, TenantHandle, drain, gql_code, make_objects, make_type

COMMENT = "id objectTypeId objectId authorId body createdAt updatedAt editedAt"
COMMENTS = (
    "query($t: String!, $o: String!, $limit: Int, $cursor: String) {"
    f" comments(objectTypeId: $t, objectId: $o, limit: $limit, cursor: $cursor) {{ total nextCursor results {{ {COMMENT} }} }} }}"
)
CREATE = f"mutation($t: String!, $o: String!, $body: String!) {{ createComment(objectTypeId: $t, objectId: $o, body: $body) {{ {COMMENT} }} }}"
UPDATE = (
    "mutation($t: String!, $o: String!, $id: ID!, $body: String!) {"
    f" updateComment(objectTypeId: $t, objectId: $o, id: $id, body: $body) {{ {COMMENT} }} }}"
)
DELETE = "mutation($t: String!, $o: String!, $id: ID!) { deleteComment(objectTypeId: $t, objectId: $o, id: $id) { deleted } }"
SIGN_UP = "mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken user { id } } }"
CREATE_ROLE = "mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }"


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


async def sign_up(api: Api, tenant: TenantHandle) -> dict[str, Any]:
    """A new user of the tenant: {accessToken, user: {id}}."""
    result = await api.gql(SIGN_UP, tenant.token, e=f"cmt-{uuid.uuid4().hex[:12]}@example.com", p="correct horse battery")
    return answer(result, "signUp")


async def ticket(tenant: TenantHandle) -> tuple[str, str]:
    """(type id, object id) of a new ticket, built through the service layer."""
    type_id = await make_type(tenant, "ticket", [{"name": "title", "data_type": "string"}])
    (object_id,) = await make_objects(tenant, type_id, [{"title": "Printer on fire"}])
    return type_id, object_id


async def comment(api: Api, token: str, type_id: str, object_id: str, body: str) -> dict[str, Any]:
    return answer(await api.gql(CREATE, token, t=type_id, o=object_id, body=body), "createComment")


async def test_a_user_creates_lists_edits_and_deletes_comments_on_an_object(api: Api, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    ana = await sign_up(api, tenant)
    first, second, third = [await comment(api, ana["accessToken"], type_id, object_id, body) for body in ("One", "Two", "Three")]
    assert (first["objectTypeId"], first["objectId"], first["authorId"]) == (type_id, object_id, ana["user"]["id"])
    assert first["body"] == "One" and first["editedAt"] is None

    page = answer(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id, limit=2), "comments")
    assert page["total"] == 3 and [c["id"] for c in page["results"]] == [third["id"], second["id"]] and page["nextCursor"]
    rest = answer(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id, limit=2, cursor=page["nextCursor"]), "comments")
    assert [c["id"] for c in rest["results"]] == [first["id"]] and rest["nextCursor"] is None and rest["total"] == 3

    edited = answer(await api.gql(UPDATE, ana["accessToken"], t=type_id, o=object_id, id=first["id"], body="One (fixed)"), "updateComment")
    assert edited["id"] == first["id"] and edited["body"] == "One (fixed)" and edited["editedAt"] is not None
    assert edited["createdAt"] == first["createdAt"]

    assert answer(await api.gql(DELETE, ana["accessToken"], t=type_id, o=object_id, id=second["id"]), "deleteComment") == {"deleted": True}
    after = answer(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id), "comments")
    assert after["total"] == 2 and [(c["id"], c["body"]) for c in after["results"]] == [(third["id"], "Three"), (first["id"], "One (fixed)")]
    assert after["nextCursor"] is None


async def test_another_user_can_read_but_not_edit_or_delete_a_comment(api: Api, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    ana, bob = await sign_up(api, tenant), await sign_up(api, tenant)
    mine = await comment(api, ana["accessToken"], type_id, object_id, "Ana's note")

    seen = answer(await api.gql(COMMENTS, bob["accessToken"], t=type_id, o=object_id), "comments")
    assert [c["id"] for c in seen["results"]] == [mine["id"]]

    hijack = await api.gql(UPDATE, bob["accessToken"], t=type_id, o=object_id, id=mine["id"], body="Bob was here")
    assert gql_code(hijack) == "FORBIDDEN" and "author" in hijack["errors"][0]["message"]
    removal = await api.gql(DELETE, bob["accessToken"], t=type_id, o=object_id, id=mine["id"])
    assert gql_code(removal) == "FORBIDDEN"

    (kept,) = answer(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id), "comments")["results"]
    assert (kept["body"], kept["editedAt"]) == ("Ana's note", None)


async def test_an_api_key_reads_comments_but_is_refused_when_writing_one(api: Api, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    ana = await sign_up(api, tenant)
    mine = await comment(api, ana["accessToken"], type_id, object_id, "From a person")

    refused = await api.gql(CREATE, tenant.token, t=type_id, o=object_id, body="From a machine")
    assert gql_code(refused) == "FORBIDDEN" and refused["data"] is None
    message = refused["errors"][0]["message"]
    assert "signed-in users" in message and "API key" in message
    assert gql_code(await api.gql(UPDATE, tenant.token, t=type_id, o=object_id, id=mine["id"], body="x")) == "FORBIDDEN"
    assert gql_code(await api.gql(DELETE, tenant.token, t=type_id, o=object_id, id=mine["id"])) == "FORBIDDEN"

    listed = answer(await api.gql(COMMENTS, tenant.token, t=type_id, o=object_id), "comments")
    assert listed["total"] == 1 and listed["results"][0]["body"] == "From a person"  # reading is open to keys
    assert gql_code(await api.gql(COMMENTS, None, t=type_id, o=object_id)) == "UNAUTHORIZED"


async def test_comments_on_a_missing_object_are_not_found(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    (other_object_id,) = await make_objects(tenant, type_id, [{"title": "Another ticket"}])
    ana = await sign_up(api, tenant)

    missing = await api.gql(CREATE, ana["accessToken"], t=type_id, o="obj_missing", body="Hello?")
    assert gql_code(missing) == "NOT_FOUND"
    assert gql_code(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o="obj_missing")) == "NOT_FOUND"

    their_type, their_object = await ticket(other_tenant)
    assert gql_code(await api.gql(CREATE, ana["accessToken"], t=their_type, o=their_object, body="Hi")) == "NOT_FOUND"

    mine = await comment(api, ana["accessToken"], type_id, object_id, "On the first ticket")
    wrong_object = await api.gql(UPDATE, ana["accessToken"], t=type_id, o=other_object_id, id=mine["id"], body="moved")
    assert gql_code(wrong_object) == "NOT_FOUND"  # a comment is addressed through its own object
    assert gql_code(await api.gql(DELETE, ana["accessToken"], t=type_id, o=object_id, id="cmt_missing")) == "NOT_FOUND"


async def test_empty_bodies_and_forged_cursors_are_refused(api: Api, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    ana = await sign_up(api, tenant)

    for body in ("", "   ", "x" * 10_001):
        refused = await api.gql(CREATE, ana["accessToken"], t=type_id, o=object_id, body=body)
        assert gql_code(refused) == "VALIDATION_ERROR"
        assert refused["errors"][0]["extensions"]["details"][0]["field"] == "body"
    forged = await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id, cursor="not-a-cursor")
    assert gql_code(forged) == "VALIDATION_ERROR" and forged["errors"][0]["extensions"]["details"][0]["field"] == "cursor"
    assert answer(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id), "comments")["total"] == 0


async def test_a_user_whose_role_may_not_read_the_type_may_not_comment_on_its_objects(api: Api, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    notes_id = await make_type(tenant, "note", [{"name": "text", "data_type": "string"}])
    (note_id,) = await make_objects(tenant, notes_id, [{"text": "readable"}])
    baseline = {"name": "authenticated", "permissions": ["objects:note:read"]}  # every user: notes only
    answer(await api.gql(CREATE_ROLE, tenant.token, input=baseline), "createRole")
    ana = await sign_up(api, tenant)

    assert gql_code(await api.gql(CREATE, ana["accessToken"], t=type_id, o=object_id, body="Can I?")) == "FORBIDDEN"
    assert gql_code(await api.gql(COMMENTS, ana["accessToken"], t=type_id, o=object_id)) == "FORBIDDEN"
    assert (await comment(api, ana["accessToken"], notes_id, note_id, "Notes are fine"))["objectId"] == note_id


async def test_each_comment_change_is_an_event_on_the_event_log(api: Api, app: Starlette, tenant: TenantHandle) -> None:
    type_id, object_id = await ticket(tenant)
    ana = await sign_up(api, tenant)
    created = await comment(api, ana["accessToken"], type_id, object_id, "Logged")
    answer(await api.gql(UPDATE, ana["accessToken"], t=type_id, o=object_id, id=created["id"], body="Logged again"), "updateComment")
    answer(await api.gql(DELETE, ana["accessToken"], t=type_id, o=object_id, id=created["id"]), "deleteComment")

    # The in-process app starts no relay: number the committed events. Not one `run_once`: a pass
    # numbers only the oldest BATCH events of the shared database, and earlier tests may have left more.
    await drain(app.state.runtime.realtime.relay, tenant.tenant_id)
    events = [e for e in await event_log.after(tenant.tenant_id, 0) if e.type.startswith("comment.")]
    assert [e.type for e in events] == ["comment.created", "comment.updated", "comment.deleted"]
    born = events[0]
    assert (born.object_type_id, born.object_id, born.actor, born.custom) == (type_id, object_id, ana["user"]["id"], False)
    assert born.data["id"] == created["id"] and born.data["author_id"] == ana["user"]["id"] and born.data["body"] == "Logged"
    assert born.data["edited_at"] is None
    assert events[1].data["body"] == "Logged again" and events[1].data["edited_at"] is not None
    assert [e.seq for e in events] == sorted(e.seq for e in events)
