"""Webhook changes: endpoints (scope `schema`); tests, replays, retries and discards (`write`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.webhooks import service
from schema.extensions import own_transactions
from schema.inputs import provided_fields
from schema.webhooks.types import (
    CreateWebhookInput,
    Discarded,
    Retried,
    UpdateWebhookInput,
    WebhookDeleted,
    WebhookNode,
    WebhookSendResult,
)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Add an endpoint; the answer carries its signing secret (shown once).")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookNode:
        record = await service.create_endpoint(info.context.principal, provided_fields(input), runtime=info.context.runtime)
        return WebhookNode.of(record)

    @strawberry.mutation(description="Change an endpoint's URL, events, object types, status or description.")
    async def update_webhook(self, info: Info, id: strawberry.ID, input: UpdateWebhookInput) -> WebhookNode:
        record = await service.update_endpoint(info.context.principal, str(id), provided_fields(input), runtime=info.context.runtime)
        return WebhookNode.of(record)

    @strawberry.mutation(description="Delete an endpoint; pending deliveries make it a secure deletion (409 + confirm_token).")
    async def delete_webhook(self, info: Info, id: strawberry.ID, force: bool = False, confirm_token: Optional[str] = None) -> WebhookDeleted:
        deleted = await service.delete_endpoint(info.context.principal, str(id), runtime=info.context.runtime, force=force, confirm_token=confirm_token)
        return WebhookDeleted(deleted=deleted)

    @strawberry.mutation(description="A new signing secret; the old one keeps signing too for 24 hours.")
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookNode:
        return WebhookNode.of(await service.rotate_secret(info.context.principal, str(id), runtime=info.context.runtime))

    @strawberry.mutation(**own_transactions("Send a webhook.test event now and answer what the endpoint said."))
    async def test_webhook(self, info: Info, id: strawberry.ID) -> WebhookSendResult:
        return WebhookSendResult.of(await service.test_endpoint(info.context.principal, str(id), runtime=info.context.runtime))

    @strawberry.mutation(**own_transactions("Send a payload as an event of the given type to this endpoint now."))
    async def replay_webhook(self, info: Info, id: strawberry.ID, event: str, payload: JSON) -> WebhookSendResult:
        result = await service.replay(info.context.principal, str(id), event=event, payload=payload, runtime=info.context.runtime)
        return WebhookSendResult.of(result)

    @strawberry.mutation(description="Send a delivery's message again now (same webhook-id).")
    async def retry_webhook_delivery(self, info: Info, id: strawberry.ID) -> Retried:
        return Retried(retried=await service.retry_delivery(info.context.principal, str(id), runtime=info.context.runtime))

    @strawberry.mutation(description="Put a dead-letter message back in the queue, with a fresh retry schedule.")
    async def retry_dlq_message(self, info: Info, id: strawberry.ID) -> Retried:
        return Retried(retried=await service.retry_dead(info.context.principal, str(id), runtime=info.context.runtime))

    @strawberry.mutation(description="Drop a dead-letter message for good.")
    async def discard_dlq_message(self, info: Info, id: strawberry.ID) -> Discarded:
        return Discarded(discarded=await service.discard_dead(info.context.principal, str(id)))
