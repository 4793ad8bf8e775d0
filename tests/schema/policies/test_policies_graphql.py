"""Row-level access policies over GraphQL (`POST /graphql`, in-process app).

Covers the root fields accessPolicies, createAccessPolicy, updateAccessPolicy,
deleteAccessPolicy and simulatePolicy, and how policies shape the object fields a signed-up user
calls: `objects` returns only the rows select policies allow (and counts only those in
`totalCount`), `object` answers NOT_FOUND for a hidden row (never FORBIDDEN, which would confirm
it exists), and `createObject` answers POLICY_VIOLATION for a row the insert policies refuse.
The simulator's per-row decisions are checked against what `objects` returns for a real user.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.rest_compat.test_auth_routes import sign_up
from tests.support import Api, TenantHandle, gql_code, make_objects, make_type

OWNER = {"owner": {"eq": "$auth.user_id"}}
POLICY = "id objectTypeId name action role conditionJson enabled createdAt updatedAt"
CREATE = f"mutation($t: String!, $input: CreateAccessPolicyInput!) {{ createAccessPolicy(objectTypeId: $t, input: $input) {{ {POLICY} }} }}"
UPDATE = f"mutation($t: String!, $id: ID!, $input: UpdateAccessPolicyInput!) {{ updateAccessPolicy(objectTypeId: $t, id: $id, input: $input) {{ {POLICY} }} }}"
DELETE = "mutation($t: String!, $id: ID!) { deleteAccessPolicy(objectTypeId: $t, id: $id) { id deleted } }"
LIST = f"query($t: String!) {{ accessPolicies(objectTypeId: $t) {{ {POLICY} }} }}"
SIMULATE = "mutation($policy: JSON!, $auth: JSON, $rows: JSON) { simulatePolicy(policy: $policy, authContext: $auth, sampleData: $rows) }"
OBJECTS = "query($t: ID!, $first: Int!, $after: String) { objects(objectTypeId: $t, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id properties } } } }"
OBJECT = "query($t: ID!, $id: ID!) { object(objectTypeId: $t, id: $id) { id properties } }"
CREATE_OBJECT = "mutation($t: ID!, $p: JSON!) { createObject(objectTypeId: $t, properties: $p) { id createdBy properties } }"


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


async def notes_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "note", [
        {"name": "owner", "data_type": "string"}, {"name": "text", "data_type": "string"}, {"name": "rank", "data_type": "integer"},
    ])


async def create_policy(api: Api, tenant: TenantHandle, type_id: str, **fields: Any) -> dict[str, Any]:
    return answer(await api.gql(CREATE, tenant.token, t=type_id, input=fields), "createAccessPolicy")


async def new_user(api: Api, tenant: TenantHandle) -> tuple[str, str]:
    """A signed-up user of the tenant: (access token, user id)."""
    signed = await sign_up(api, tenant, f"user-{uuid.uuid4().hex}@example.com")
    return signed["access_token"], signed["user"]["id"]


async def all_rows(api: Api, token: str, type_id: str) -> tuple[int, list[dict[str, Any]]]:
    """Every row `objects` returns to this caller, page by page, and the totalCount it answers."""
    rows: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = answer(await api.gql(OBJECTS, token, t=type_id, first=50, after=after), "objects")
        rows += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], rows
        after = page["pageInfo"]["endCursor"]


async def test_a_policy_is_created_listed_updated_and_deleted(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    made = await create_policy(api, tenant, type_id, name="own notes", action="select", conditionJson=OWNER)
    assert made["id"].startswith("pol_") and made["objectTypeId"] == type_id
    assert (made["name"], made["action"], made["role"], made["conditionJson"], made["enabled"]) == ("own notes", "select", None, OWNER, True)
    assert answer(await api.gql(LIST, tenant.token, t=type_id), "accessPolicies") == [made]

    changed = answer(await api.gql(UPDATE, tenant.token, t=type_id, id=made["id"], input={"name": "managers", "role": "manager", "enabled": False}), "updateAccessPolicy")
    assert (changed["name"], changed["role"], changed["enabled"], changed["conditionJson"]) == ("managers", "manager", False, OWNER)
    assert answer(await api.gql(LIST, tenant.token, t=type_id), "accessPolicies") == [changed]

    assert answer(await api.gql(DELETE, tenant.token, t=type_id, id=made["id"]), "deleteAccessPolicy") == {"id": made["id"], "deleted": True}
    assert answer(await api.gql(LIST, tenant.token, t=type_id), "accessPolicies") == []
    assert gql_code(await api.gql(DELETE, tenant.token, t=type_id, id=made["id"])) == "NOT_FOUND"


async def test_a_condition_naming_an_unknown_property_is_refused_when_saved(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    refused = await api.gql(CREATE, tenant.token, t=type_id, input={"name": "x", "action": "select", "conditionJson": {"nope": {"eq": 1}}})
    assert gql_code(refused) == "VALIDATION_ERROR" and refused["data"] is None
    assert refused["errors"][0]["extensions"]["details"][0]["field"].startswith("condition_json")
    assert answer(await api.gql(LIST, tenant.token, t=type_id), "accessPolicies") == []

    made = await create_policy(api, tenant, type_id, name="own", action="select", conditionJson=OWNER)
    also_refused = await api.gql(UPDATE, tenant.token, t=type_id, id=made["id"], input={"conditionJson": {"or": [OWNER, {"nope": "x"}]}})
    assert gql_code(also_refused) == "VALIDATION_ERROR"
    assert answer(await api.gql(LIST, tenant.token, t=type_id), "accessPolicies")[0]["conditionJson"] == OWNER  # unchanged


async def test_the_simulator_decides_each_row_as_the_objects_query_does_for_a_real_user(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    token, user_id = await new_user(api, tenant)
    condition = {"or": [
        {"and": [OWNER, {"text": {"ne": "draft"}}]},
        {"and": [{"text": {"starts_with": "Public"}}, {"rank": {"gte": 3}}]},
    ]}
    rows = [
        {"owner": user_id, "text": "mine", "rank": 1},
        {"owner": user_id, "text": "draft", "rank": 9},
        {"owner": user_id, "rank": 0},  # no text: `ne` matches a missing value
        {"owner": "usr_other", "text": "Public notice", "rank": 5},
        {"owner": "usr_other", "text": "public notice", "rank": 5},  # starts_with is case-sensitive
        {"owner": "usr_other", "text": "Public but low", "rank": 2},
        {"owner": "usr_other", "text": "theirs", "rank": 7},
        {"text": "Public, no owner", "rank": 3},
    ]
    simulated = answer(await api.gql(
        SIMULATE, tenant.token,
        policy={"object_type_id": type_id, "action": "select", "condition_json": condition},
        auth={"user_id": user_id, "role": "authenticated"},
        rows=[{"properties": r} for r in rows],
    ), "simulatePolicy")

    ids = await make_objects(tenant, type_id, rows)
    await create_policy(api, tenant, type_id, name="own or public", action="select", conditionJson=condition)
    total, seen = await all_rows(api, token, type_id)
    seen_ids = {row["id"] for row in seen}

    decided = [d["allowed"] for d in sorted(simulated["results"], key=lambda d: d["index"])]
    assert decided == [i in seen_ids for i in ids]
    assert decided == [True, False, True, True, False, False, False, True]  # both paths agree, and on something non-trivial
    assert simulated["allowed"] == total == len(seen_ids) == 4


async def test_an_owner_policy_lists_only_the_users_rows_and_counts_only_them(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    token, user_id = await new_user(api, tenant)
    _other_token, other_id = await new_user(api, tenant)
    mine = [{"owner": user_id, "text": f"mine {i}", "rank": i} for i in range(3)]
    theirs = [{"owner": other_id if i % 2 else "usr_nobody", "text": f"theirs {i}", "rank": i} for i in range(7)]
    await make_objects(tenant, type_id, theirs[:4] + mine + theirs[4:])
    await create_policy(api, tenant, type_id, name="own notes", action="select", conditionJson=OWNER)

    first = answer(await api.gql(OBJECTS, token, t=type_id, first=2), "objects")
    assert first["totalCount"] == 3 and len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    total, rows = await all_rows(api, token, type_id)
    assert total == 3 and sorted(r["properties"]["text"] for r in rows) == ["mine 0", "mine 1", "mine 2"]
    assert (await all_rows(api, tenant.token, type_id))[0] == 10  # a * key bypasses policies


async def test_the_object_query_answers_not_found_for_a_row_a_policy_hides(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    token, user_id = await new_user(api, tenant)
    shown, hidden = await make_objects(tenant, type_id, [{"owner": user_id, "text": "mine"}, {"owner": "usr_other", "text": "secret"}])
    await create_policy(api, tenant, type_id, name="own notes", action="select", conditionJson=OWNER)

    assert answer(await api.gql(OBJECT, token, t=type_id, id=shown), "object")["properties"]["text"] == "mine"
    refused = await api.gql(OBJECT, token, t=type_id, id=hidden)
    assert gql_code(refused) == "NOT_FOUND"  # the same answer as for an id that does not exist
    assert gql_code(await api.gql(OBJECT, token, t=type_id, id="obj_doesnotexist")) == "NOT_FOUND"
    assert answer(await api.gql(OBJECT, tenant.token, t=type_id, id=hidden), "object")["id"] == hidden


async def test_create_object_refused_by_an_insert_policy_is_a_policy_violation(api: Api, tenant: TenantHandle) -> None:
    type_id = await notes_type(tenant)
    token, user_id = await new_user(api, tenant)
    await create_policy(api, tenant, type_id, name="write own", action="insert", conditionJson=OWNER)

    forged = await api.gql(CREATE_OBJECT, token, t=type_id, p={"owner": "usr_someone_else", "text": "forged"})
    assert gql_code(forged) == "POLICY_VIOLATION" and forged["data"] is None
    made = answer(await api.gql(CREATE_OBJECT, token, t=type_id, p={"owner": user_id, "text": "mine"}), "createObject")
    assert made["createdBy"] == user_id
    total, rows = await all_rows(api, tenant.token, type_id)
    assert total == 1 and [r["id"] for r in rows] == [made["id"]]  # the refused row was not stored
