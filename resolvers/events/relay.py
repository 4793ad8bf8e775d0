"""The relay: numbers committed events per tenant, marks them published, and publishes them.

Any number of processes run one; they take turns (a cluster-wide advisory lock on PostgreSQL,
SQLite's single writer). Each pass, in one transaction, reads the unnumbered committed events,
reserves a block of seqs per tenant from `event_sequences` and stamps the events; after commit it
publishes them. Seqs are therefore handed out in the order events become visible: once a
listener has seen seq N, every event it has not seen yet gets a seq above N, which is what makes
resume-by-id and gap filling exact, and a change of an object is always numbered after the
changes before it. Publishing after commit can still reorder or lose messages
(two relays, a Redis restart, a crash between commit and publish); the hub repairs that from the
log, so the broadcast only has to be fast, not reliable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from weakref import WeakSet

from resolvers import db
from resolvers.events import repository
from resolvers.events.broadcast import Broadcast
from resolvers.events.schemas import EventRecord

log = logging.getLogger("basalt.events")
BATCH = 500

_local: WeakSet["Relay"] = WeakSet()


def wake_local() -> None:
    """Called after a commit that recorded events: run this process's relay now."""
    for relay in list(_local):
        relay.wake.set()


class Relay:
    def __init__(
        self,
        broadcast: Broadcast,
        *,
        poll_seconds: float = 1.0,
        retention_days: int = 7,
        prune_every_seconds: float = 600.0,
    ) -> None:
        self.broadcast = broadcast
        self.poll_seconds = poll_seconds
        self.retention = timedelta(days=retention_days)
        self.prune_every_seconds = prune_every_seconds
        self.wake = asyncio.Event()
        self.local_listeners: list[Callable[[EventRecord], None]] = []  # the hub repeats nothing it has seen
        self._last_prune = 0.0
        _local.add(self)

    async def run_forever(self) -> None:
        while True:
            try:
                busy = True
                while busy:  # a full batch means more may be waiting
                    busy = await self.run_once() == BATCH
                await self._prune_now_and_then()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay pass failed; retrying")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)
            self.wake.clear()

    async def run_once(self) -> int:
        """Number, mark and publish up to BATCH events; returns how many."""
        events = await self._sequence()
        for event in events:
            for deliver in self.local_listeners:  # this process's hub, without the Redis round trip
                deliver(event)
            await self.broadcast.publish(event.to_message())
        return len(events)

    async def _sequence(self) -> list[EventRecord]:
        if db.dialect() == "postgres":
            return await repository.sequence_batch(BATCH, datetime.now(timezone.utc))
        async with db.transaction():  # SQLite: the same steps, one statement each
            claimed = await repository.claim_unsequenced(BATCH)
            if not claimed:
                return []
            by_tenant: dict[str, list[int]] = defaultdict(list)
            for event_id, tenant_id in claimed:
                by_tenant[tenant_id].append(event_id)
            numbered: list[tuple[int, int]] = []
            for tenant_id in sorted(by_tenant):  # one lock order for every relay: no deadlocks
                ids = by_tenant[tenant_id]
                last = await repository.advance_sequence(tenant_id, len(ids))
                numbered += zip(ids, range(last - len(ids) + 1, last + 1))
            return await repository.assign(numbered, datetime.now(timezone.utc))

    async def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._last_prune < self.prune_every_seconds:
            return
        self._last_prune = time.monotonic()
        removed = await self.prune()
        if removed:
            log.info("pruned %d events older than %s", removed, self.retention)

    async def prune(self) -> int:
        """Delete events past the retention period (any process may; deleting twice is harmless)."""
        return await repository.prune(datetime.now(timezone.utc) - self.retention)

    def close(self) -> None:
        _local.discard(self)
