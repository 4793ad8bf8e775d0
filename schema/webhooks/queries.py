"""Webhook reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.webhooks import service
from schema.webhooks.types import DlqMessageNode, DlqPage, WebhookDeliveryNode, WebhookDeliveryPage, WebhookNode


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="The tenant's webhook endpoints (secrets are never listed).")
    async def webhooks(self, info: Info) -> list[WebhookNode]:
        return [WebhookNode.of(e) for e in await service.list_endpoints(info.context.principal)]

    @strawberry.field(description="One webhook endpoint.")
    async def webhook(self, info: Info, id: strawberry.ID) -> WebhookNode:
        return WebhookNode.of(await service.get_endpoint(info.context.principal, str(id)))

    @strawberry.field(description="Every delivery attempt, newest first, with what the endpoint answered.")
    async def webhook_deliveries(
        self, info: Info, limit: Optional[int] = None, offset: Optional[int] = None, webhook_id: Optional[str] = None
    ) -> WebhookDeliveryPage:
        rows, total = await service.list_deliveries(info.context.principal, limit=limit, offset=offset, webhook_id=webhook_id)
        return WebhookDeliveryPage(deliveries=[WebhookDeliveryNode.of(r) for r in rows], total=total)

    @strawberry.field(description="Messages whose retries ran out (the dead-letter queue), newest first.")
    async def dlq_messages(self, info: Info, limit: Optional[int] = None, offset: Optional[int] = None) -> DlqPage:
        rows, total = await service.list_dead(info.context.principal, limit=limit, offset=offset)
        return DlqPage(messages=[DlqMessageNode.of(r) for r in rows], total=total)
