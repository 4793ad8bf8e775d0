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

Events an object create numbered itself (`repository._numbered_insert`, under the same row lock
of `event_sequences`) are handed over after their commit (`hand_over`): this process's listeners
get them at once, and the relay publishes them, without a numbering pass. A relay that does not
number (`numbers=False`: a server with `BASALT_WORKERS=false`) still publishes those.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from weakref import WeakSet

from resolvers import db
from resolvers.events import repository
from resolvers.events.broadcast import Broadcast
from resolvers.events.schemas import EventRecord

log = logging.getLogger("basalt.events")
BATCH = 500
# Handed-over events wait this long for others to share their publish (one round trip); this
# process's listeners have them already, only other processes see them 2 ms later.
PUBLISH_GATHER_SECONDS = 0.002
PUBLISH_BACKLOG = 10_000  # handed-over events waiting for the broadcast; older ones are dropped (the log has them)

_local: WeakSet["Relay"] = WeakSet()


def wake_local() -> None:
    """Called after a commit that recorded events without a seq: number them now."""
    for relay in list(_local):
        relay.number_soon()


def hand_over(events: list[EventRecord]) -> None:
    """Called after the commit of events numbered as they were written."""
    for relay in list(_local):
        relay.take_numbered(events)


class Relay:
    def __init__(
        self,
        broadcast: Broadcast,
        *,
        poll_seconds: float = 1.0,
        retention_days: int = 7,
        prune_every_seconds: float = 600.0,
        numbers: bool = True,
    ) -> None:
        self.broadcast = broadcast
        self.numbers = numbers
        self.poll_seconds = poll_seconds
        self.retention = timedelta(days=retention_days)
        self.prune_every_seconds = prune_every_seconds
        self.wake = asyncio.Event()
        self.local_listeners: list[Callable[[EventRecord], None]] = []  # the hub repeats nothing it has seen
        self._last_prune = 0.0
        self._numbering_due = True
        self._running = False
        self._handed_over: deque[EventRecord] = deque(maxlen=PUBLISH_BACKLOG)
        _local.add(self)

    def number_soon(self) -> None:
        if not self.numbers:  # another process's relay numbers them (it polls): nothing to wake for
            return
        self._numbering_due = True
        self.wake.set()

    def take_numbered(self, events: list[EventRecord]) -> None:
        """Events numbered by the statement that wrote them, just committed: local listeners now,
        the other processes through the broadcast on the relay's next step. Should the broadcast
        fall behind (or this relay not run), other processes read them from the log instead, on
        their hub's next check."""
        for event in events:
            for deliver in self.local_listeners:
                deliver(event)
        if self._running and self.broadcast.reaches_others:
            self._handed_over.extend(events)
            self.wake.set()

    async def run_forever(self) -> None:
        self._running = True
        try:
            await self._run()
        finally:
            self._running = False
            self._handed_over.clear()

    async def _run(self) -> None:
        """Publish what was handed over; number when told to, and at least every `poll_seconds`
        after the last pass (hand-overs wake the loop often, so the poll goes by the clock)."""
        last_pass = -self.poll_seconds
        while True:
            try:
                await self._publish_handed_over()
                if self.numbers and (self._numbering_due or time.monotonic() - last_pass >= self.poll_seconds):
                    self._numbering_due = False
                    try:
                        await self._number_all()
                    finally:
                        last_pass = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay pass failed; retrying")
            until_poll = max(self.poll_seconds - (time.monotonic() - last_pass), 0.0) if self.numbers else None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=until_poll)
            self.wake.clear()

    async def _number_all(self) -> None:
        """Number until nothing waits, then prune now and then."""
        busy = True
        while busy:  # a full batch means more may be waiting
            busy = await self.run_once() == BATCH
        await self._prune_now_and_then()

    async def _publish_handed_over(self) -> None:
        if self._handed_over and PUBLISH_GATHER_SECONDS:
            await asyncio.sleep(PUBLISH_GATHER_SECONDS)  # creates finishing meanwhile go in the same round trip
        while self._handed_over:
            events = list(self._handed_over)
            self._handed_over.clear()
            await self.broadcast.publish(*(event.to_message() for event in events))

    async def run_once(self) -> int:
        """Number, mark and publish up to BATCH events; returns how many."""
        events = await self._sequence()
        for event in events:
            for deliver in self.local_listeners:  # this process's hub, without the Redis round trip
                deliver(event)
        if events and self.broadcast.reaches_others:
            await self.broadcast.publish(*(event.to_message() for event in events))
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
