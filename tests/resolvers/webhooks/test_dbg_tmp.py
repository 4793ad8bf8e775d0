from __future__ import annotations
import logging
from tests.resolvers.webhooks.test_worker import *  # noqa

async def test_dbg(app, api, tenant, receiver, caplog) -> None:
    caplog.set_level(logging.INFO)
    runtime = app.state.runtime
    endpoint = await new_endpoint(api, tenant, receiver.url("/flaky"))
    (message,) = outgoing(tenant, endpoint["id"], 1)
    async with fenced():
        await repository.queue([message])
        rows = await WebhookMessage.filter(id=message.id).values()
        print("ROWS", rows)
        print("NOW", now())
        c = await repository.claim_due("x", 10000, 60)
        print("CLAIMED", c)
    print(caplog.text)
