"""Queue a mail. The row is written in the current transaction, so the mail goes out if and only
if the request commits; the worker of this process is woken after commit, and any process's
worker picks up what a dead process left behind."""

from __future__ import annotations

from typing import Any

from resolvers import db
from resolvers.mail import repository
from resolvers.runtime import Runtime


async def queue(runtime: Runtime, *, tenant_id: str | None, kind: str, to: str, data: dict[str, Any] | None = None) -> str:
    row = await repository.queue(tenant_id, kind, to, data or {})
    db.on_commit(runtime.wake_workers)
    return row.id
