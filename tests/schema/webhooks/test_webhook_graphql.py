"""Webhooks over GraphQL (`POST /graphql`, in-process app, a real receiver on 127.0.0.1).

Covers an endpoint's whole life through the root fields (createWebhook, webhooks, webhook,
updateWebhook, testWebhook, replayWebhook, webhookDeliveries, rotateWebhookSecret, dlqMessages,
deleteWebhook) with signatures checked by the official Standard Webhooks library, and the codes
GraphQL answers in `extensions.code`: VALIDATION_ERROR (with the field) for a bad URL or event,
INSUFFICIENT_SCOPE for a key without the scope, NOT_FOUND for another tenant's webhook, and
DEPENDENCY_EXISTS (with a confirm token) for deleting an endpoint with pending deliveries.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from standardwebhooks import Webhook

from models.webhooks import WebhookMessage
from resolvers.ids import new_id
from resolvers.webhooks import repository
from resolvers.webhooks.schemas import Outgoing
from tests.support import Api, TenantHandle, data, gql_code
from tests.webhook_receiver import Receiver

WEBHOOK = "id url events objectTypes status disabledReason description createdAt updatedAt secret"
SEND_RESULT = "statusCode success durationMs responseExcerpt error deliveryId"

CREATE = f"mutation($input: CreateWebhookInput!) {{ createWebhook(input: $input) {{ {WEBHOOK} }} }}"
LIST = f"{{ webhooks {{ {WEBHOOK} }} }}"
ONE = f"query($id: ID!) {{ webhook(id: $id) {{ {WEBHOOK} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateWebhookInput!) {{ updateWebhook(id: $id, input: $input) {{ {WEBHOOK} }} }}"
TEST = f"mutation($id: ID!) {{ testWebhook(id: $id) {{ {SEND_RESULT} }} }}"
REPLAY = f"mutation($id: ID!, $event: String!, $payload: JSON!) {{ replayWebhook(id: $id, event: $event, payload: $payload) {{ {SEND_RESULT} }} }}"
DELIVERIES = (
    "query($limit: Int, $offset: Int, $webhookId: String) { webhookDeliveries(limit: $limit, offset: $offset, webhookId: $webhookId)"
    " { total deliveries { id messageId webhookId eventType attempt statusCode success error } } }"
)
ROTATE = f"mutation($id: ID!) {{ rotateWebhookSecret(id: $id) {{ {WEBHOOK} }} }}"
DLQ = "{ dlqMessages { total messages { id } } }"
DELETE = "mutation($id: ID!, $force: Boolean, $confirm: String) { deleteWebhook(id: $id, force: $force, confirmToken: $confirm) { deleted } }"


def invalid_fields(result: dict[str, Any]) -> list[str]:
    assert gql_code(result) == "VALIDATION_ERROR" and result.get("data") is None, result
    return [d["field"] for d in result["errors"][0]["extensions"]["details"]]


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


async def test_a_webhook_is_created_tested_rotated_and_deleted_over_graphql(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = answer(await api.gql(CREATE, tenant.token, input={"url": receiver.url("/hook"), "events": ["object.*"]}), "createWebhook")
    assert created["secret"].startswith("whsec_") and created["status"] == "active" and created["events"] == ["object.*"]
    webhook_id = created["id"]

    listed = answer(await api.gql(LIST, tenant.token), "webhooks")
    assert [(w["id"], w["secret"]) for w in listed] == [(webhook_id, None)]
    assert answer(await api.gql(ONE, tenant.token, id=webhook_id), "webhook")["url"] == receiver.url("/hook")

    updated = answer(await api.gql(UPDATE, tenant.token, id=webhook_id, input={"events": ["*"], "description": "orders"}), "updateWebhook")
    assert (updated["events"], updated["description"], updated["secret"]) == (["*"], "orders", None)
    paused = answer(await api.gql(UPDATE, tenant.token, id=webhook_id, input={"status": "disabled"}), "updateWebhook")
    assert paused["status"] == "disabled" and paused["disabledReason"]
    resumed = answer(await api.gql(UPDATE, tenant.token, id=webhook_id, input={"status": "active"}), "updateWebhook")
    assert (resumed["status"], resumed["disabledReason"]) == ("active", None)

    tested = answer(await api.gql(TEST, tenant.token, id=webhook_id), "testWebhook")
    assert tested["statusCode"] == 200 and tested["success"] is True and tested["error"] is None
    (test_request,) = receiver.at("/hook")
    assert Webhook(created["secret"]).verify(test_request.body, test_request.headers)["type"] == "webhook.test"

    deliveries = answer(await api.gql(DELIVERIES, tenant.token, webhookId=webhook_id), "webhookDeliveries")
    assert deliveries["total"] == 1
    (delivery,) = deliveries["deliveries"]
    assert (delivery["id"], delivery["webhookId"], delivery["eventType"], delivery["attempt"], delivery["statusCode"]) == (
        tested["deliveryId"], webhook_id, "webhook.test", 1, 200,
    )
    assert delivery["messageId"] == test_request.headers["webhook-id"]

    rotated = answer(await api.gql(ROTATE, tenant.token, id=webhook_id), "rotateWebhookSecret")
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    replayed = answer(await api.gql(REPLAY, tenant.token, id=webhook_id, event="order.paid", payload={"order": 7}), "replayWebhook")
    assert replayed["statusCode"] == 200
    _, replay_request = receiver.at("/hook")
    for secret in (created["secret"], rotated["secret"]):
        assert Webhook(secret).verify(replay_request.body, replay_request.headers)["data"] == {"order": 7}

    assert answer(await api.gql(DLQ, tenant.token), "dlqMessages") == {"total": 0, "messages": []}
    assert answer(await api.gql(DELETE, tenant.token, id=webhook_id), "deleteWebhook") == {"deleted": True}
    assert answer(await api.gql(LIST, tenant.token), "webhooks") == []
    assert gql_code(await api.gql(ONE, tenant.token, id=webhook_id)) == "NOT_FOUND"


async def test_bad_input_answers_validation_error_naming_the_field(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    for url in ("ftp://example.com/hook", "not a url", "http://user:pw@127.0.0.1/hook"):
        assert invalid_fields(await api.gql(CREATE, tenant.token, input={"url": url})) == ["url"], url

    created = answer(await api.gql(CREATE, tenant.token, input={"url": receiver.url("/hook")}), "createWebhook")
    bad_event = await api.gql(UPDATE, tenant.token, id=created["id"], input={"events": ["Object Created"]})
    assert invalid_fields(bad_event) == ["events[0]"]
    bad_payload = await api.gql(REPLAY, tenant.token, id=created["id"], event="order.paid", payload=[1, 2])
    assert invalid_fields(bad_payload) == ["payload"]
    assert [w["events"] for w in answer(await api.gql(LIST, tenant.token), "webhooks")] == [["*"]]
    assert receiver.at("/hook") == []


async def test_keys_without_the_scope_answer_insufficient_scope(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = answer(await api.gql(CREATE, tenant.token, input={"url": receiver.url("/hook")}), "createWebhook")
    reader = await scoped_key(api, tenant, ["read"])
    manager = await scoped_key(api, tenant, ["schema"])

    assert [w["id"] for w in answer(await api.gql(LIST, reader), "webhooks")] == [created["id"]]
    assert gql_code(await api.gql(CREATE, reader, input={"url": receiver.url("/other")})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(UPDATE, reader, id=created["id"], input={"description": "x"})) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(ROTATE, reader, id=created["id"])) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(DELETE, reader, id=created["id"])) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(TEST, manager, id=created["id"])) == "INSUFFICIENT_SCOPE"
    assert gql_code(await api.gql(LIST)) == "UNAUTHORIZED"
    assert answer(await api.gql(UPDATE, manager, id=created["id"], input={"description": "x"}), "updateWebhook")["description"] == "x"
    assert receiver.at("/hook") == []


async def test_another_tenants_webhook_is_not_found(api: Api, tenant: TenantHandle, other_tenant: TenantHandle, receiver: Receiver) -> None:
    theirs = answer(await api.gql(CREATE, other_tenant.token, input={"url": receiver.url("/theirs")}), "createWebhook")
    for query, variables in ((ONE, {}), (TEST, {}), (ROTATE, {}), (DELETE, {}), (UPDATE, {"input": {"description": "x"}})):
        assert gql_code(await api.gql(query, tenant.token, id=theirs["id"], **variables)) == "NOT_FOUND", query
    assert answer(await api.gql(LIST, tenant.token), "webhooks") == []
    assert receiver.at("/theirs") == []


async def test_deleting_with_pending_deliveries_needs_the_confirm_token(api: Api, tenant: TenantHandle, receiver: Receiver) -> None:
    created = answer(await api.gql(CREATE, tenant.token, input={"url": receiver.url("/hook")}), "createWebhook")
    message = Outgoing(id=new_id("msg"), tenant_id=tenant.tenant_id, endpoint_id=created["id"], event_type="order.paid", payload={})
    await repository.queue([message], due=datetime.now(timezone.utc) + timedelta(hours=1))  # pending, and no worker takes it

    refused = await api.gql(DELETE, tenant.token, id=created["id"])
    extensions = refused["errors"][0]["extensions"]
    assert extensions["code"] == "DEPENDENCY_EXISTS"
    assert [(d["type"], d["count"]) for d in extensions["dependencies"]] == [("webhook_deliveries", 1)]
    assert len(answer(await api.gql(LIST, tenant.token), "webhooks")) == 1

    confirmed = await api.gql(DELETE, tenant.token, id=created["id"], force=True, confirm=extensions["confirm_token"])
    assert answer(confirmed, "deleteWebhook") == {"deleted": True}
    assert (await WebhookMessage.get(id=message.id)).status == "cancelled"
