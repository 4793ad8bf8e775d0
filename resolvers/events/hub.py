"""One process's listeners: events from the broadcast, checked against the log, handed out in order.

Per tenant with listeners here, the hub remembers the last seq it delivered. An event with the
next seq is delivered at once; one further ahead means messages were lost or reordered, and the
missing range is read from the log first; an older one is a duplicate and dropped. Every few
seconds, and whenever the broadcast reconnects, the hub compares with `event_sequences` and reads
anything it has not seen, so a lost message at the tail is delivered too. All of that happens in
one task, so per tenant the order is the seq order, with no gap and no duplicate.

A listener resuming after seq N is registered at the tenant's current position P (inside that
task) and reads (N, P] from the log itself while newer events queue up for it.

A transport that can write an event itself gives its listener a `direct` callable; the hub calls
it instead of queueing while the listener's consumer has nothing in hand (parked on an empty
queue), so direct and queued events never overtake each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from resolvers.api_keys import repository as api_keys
from resolvers.auth import repository as auth_sessions
from resolvers.errors import DomainError
from resolvers.events import repository
from resolvers.events.schemas import EventRecord
from resolvers.events.tasks import stop
from resolvers.principal import Principal
from resolvers.tenants import repository as tenants

log = logging.getLogger("basalt.events")
BACKFILL_PAGE = 500
QUEUE_LIMIT = 1000  # events waiting for one listener before it counts as a slow consumer


class ListenerClosed(DomainError):
    """The hub ended this listener; the code says why (CREDENTIALS_ENDED, SLOW_CONSUMER, ...)."""

    status = 410

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code  # type: ignore[misc]


_CLOSE = object()
Refresh = Callable[[Principal], Awaitable[None]]


class Listener:
    """One subscription: a tenant, a predicate, and a bounded queue of events in seq order.

    `refresh`, when given, is awaited with the principal at the tenant's new versions after its
    types, policies or roles changed, so a predicate built from them can be rebuilt."""

    def __init__(
        self, principal: Principal, accepts: Callable[[EventRecord], bool], *, after: int | None, queue_limit: int,
        refresh: Refresh | None = None,
    ) -> None:
        self.principal = principal
        self.tenant_id = principal.tenant_id
        self.accepts = accepts
        self.refresh = refresh
        self.after = after
        self.queue_limit = queue_limit
        self.start = 0  # the tenant's position when registered; live events are above it
        self.closed: ListenerClosed | None = None
        self.direct: Callable[[EventRecord], bool] | None = None  # True: delivered, no queueing
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._parked = False  # the consumer waits on the queue: every earlier event was handled

    def offer(self, event: EventRecord) -> None:
        if self.closed is not None or not self.accepts(event):
            return
        if self._parked and self.direct is not None and self._queue.empty() and self._delivered_directly(event):
            return
        if self._queue.qsize() >= self.queue_limit:
            self.close("too many undelivered events: the consumer is too slow", "SLOW_CONSUMER")
            return
        self._queue.put_nowait(event)

    def _delivered_directly(self, event: EventRecord) -> bool:
        assert self.direct is not None
        try:
            return self.direct(event)
        except Exception:  # never lose the event, nor the other listeners' turn
            log.exception("direct delivery failed; the event is queued")
            return False

    def close(self, reason: str, code: str) -> None:
        if self.closed is None:
            self.closed = ListenerClosed(reason, code)
            self._queue.put_nowait(_CLOSE)

    async def events(self) -> AsyncIterator[EventRecord]:
        """What was missed since `after` (from the log), then live events; raises ListenerClosed."""
        if self.after is not None:
            cursor = self.after
            while cursor < self.start:
                page = await repository.after(self.tenant_id, cursor, up_to=self.start, limit=BACKFILL_PAGE)
                if not page:
                    break
                for event in page:
                    if self.accepts(event):
                        yield event
                cursor = page[-1].seq
        while True:
            self._parked = True
            try:
                item = await self._queue.get()
            finally:
                self._parked = False
            if item is _CLOSE:
                assert self.closed is not None
                raise self.closed
            yield item


@dataclass
class _Stream:
    last_seq: int
    listeners: set[Listener] = field(default_factory=set)


@dataclass
class _Register:
    listener: Listener
    done: asyncio.Future[None]


_CHECK = object()


class Hub:
    def __init__(self, *, check_seconds: float = 2.0, queue_limit: int = QUEUE_LIMIT) -> None:
        self.check_seconds = check_seconds
        self.queue_limit = queue_limit
        self._streams: dict[str, _Stream] = {}
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.on_sequenced: list[Callable[[], None]] = []  # told when events arrive (webhook workers wake)
        self._registering = 0  # registrations queued or under way

    # --- wiring -----------------------------------------------------------------------------

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._consume(), name="event-hub"),
                asyncio.create_task(self._tick(), name="event-hub-check"),
            ]

    async def close(self) -> None:
        for task in self._tasks:
            await stop(task)
        self._tasks = []
        for stream in self._streams.values():
            for listener in stream.listeners:
                listener.close("the server is shutting down", "SERVER_SHUTDOWN")

    def on_message(self, message: str) -> None:
        try:
            self._inbox.put_nowait(EventRecord.from_message(message))
        except Exception:
            log.exception("dropped an unreadable event message")
        self._tell_sequenced()

    def on_event(self, event: EventRecord) -> None:
        """An event sequenced by this process's relay, committed. Queued only for a tenant with
        listeners here, or while a listener registers (its tenant's position may have been read
        before this event committed): a listener registered later starts at the tenant's seq read
        then, which already counts this event, so the task would drop it anyway (`_deliver`)."""
        if event.tenant_id in self._streams or self._registering:
            self._inbox.put_nowait(event)
        self._tell_sequenced()

    def _tell_sequenced(self) -> None:
        for callback in self.on_sequenced:
            callback()

    def on_reconnect(self) -> None:
        self.check_soon()

    def check_soon(self) -> None:
        """Queue a check now: events queued after it are handed out under its outcome."""
        self._inbox.put_nowait(_CHECK)

    # --- listeners --------------------------------------------------------------------------

    async def listen(
        self, principal: Principal, accepts: Callable[[EventRecord], bool], *, after: int | None = None, refresh: Refresh | None = None,
    ) -> Listener:
        listener = Listener(principal, accepts, after=after, queue_limit=self.queue_limit, refresh=refresh)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._registering += 1
        try:
            self._inbox.put_nowait(_Register(listener, done))
            await done
        finally:
            self._registering -= 1
        return listener

    def leave(self, listener: Listener) -> None:
        stream = self._streams.get(listener.tenant_id)
        if stream is not None:
            stream.listeners.discard(listener)
            if not stream.listeners:
                del self._streams[listener.tenant_id]

    def listener_count(self) -> int:
        return sum(len(s.listeners) for s in self._streams.values())

    # --- the one task that orders everything ------------------------------------------------

    async def _consume(self) -> None:
        while True:
            item = await self._inbox.get()
            try:
                if isinstance(item, EventRecord):
                    await self._deliver(item)
                elif isinstance(item, _Register):
                    await self._register(item)
                elif item is _CHECK:
                    await self._check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("event hub step failed")
                if isinstance(item, _Register) and not item.done.done():
                    item.done.set_exception(exc)

    async def _register(self, item: _Register) -> None:
        listener = item.listener
        stream = self._streams.get(listener.tenant_id)
        if stream is None:
            last = (await repository.last_seqs([listener.tenant_id]))[listener.tenant_id]
            stream = self._streams[listener.tenant_id] = _Stream(last_seq=last)
        listener.start = stream.last_seq
        stream.listeners.add(listener)
        item.done.set_result(None)

    async def _deliver(self, event: EventRecord) -> None:
        stream = self._streams.get(event.tenant_id)
        if stream is None or event.seq <= stream.last_seq:
            return
        if event.seq > stream.last_seq + 1:
            await self._fill(event.tenant_id, stream, up_to=event.seq - 1)
        self._hand_out(stream, event)

    async def _fill(self, tenant_id: str, stream: _Stream, *, up_to: int) -> None:
        """Read (last_seq, up_to] from the log and hand it out (a pruned range is skipped)."""
        while stream.last_seq < up_to:
            page = await repository.after(tenant_id, stream.last_seq, up_to=up_to, limit=BACKFILL_PAGE)
            if not page:
                stream.last_seq = up_to
                break
            for event in page:
                self._hand_out(stream, event)

    def _hand_out(self, stream: _Stream, event: EventRecord) -> None:
        stream.last_seq = event.seq
        for listener in list(stream.listeners):
            listener.offer(event)
            if listener.closed is not None:
                self.leave(listener)

    async def _check(self) -> None:
        """Catch up with the log, refresh listeners whose tenant's policies or roles changed, and
        close listeners whose credentials ended."""
        if not self._streams:
            return
        await self._refresh_changed()
        lasts = await repository.last_seqs(list(self._streams))
        for tenant_id, last in lasts.items():
            stream = self._streams.get(tenant_id)
            if stream is not None and last > stream.last_seq:
                await self._fill(tenant_id, stream, up_to=last)
        await self._close_ended_credentials()

    async def _refresh_changed(self) -> None:
        """A listener whose principal was read at older tenant versions is brought up to date."""
        current = await tenants.versions(list(self._streams))
        for tenant_id, versions in current.items():
            stream = self._streams.get(tenant_id)
            for listener in list(stream.listeners if stream else ()):
                principal = listener.principal
                if (principal.schema_version, principal.roles_version or 0) != versions:
                    await self._refresh(listener, versions)

    async def _refresh(self, listener: Listener, versions: tuple[int, int]) -> None:
        listener.principal = replace(listener.principal, schema_version=versions[0], roles_version=versions[1])
        if listener.refresh is None:
            return
        try:
            await listener.refresh(listener.principal)
        except Exception:
            log.exception("could not refresh a listener after its tenant changed")
            listener.close("the subscription's type or access rules changed; subscribe again", "SUBSCRIPTION_CHANGED")
            self.leave(listener)

    async def _close_ended_credentials(self) -> None:
        listeners = [l for s in self._streams.values() for l in s.listeners]
        now = datetime.now(timezone.utc)
        key_ids = {l.principal.key_id for l in listeners if l.principal.key_id}
        session_ids = {l.principal.session_id for l in listeners if l.principal.session_id}
        inactive = await api_keys.inactive(sorted(key_ids), now) if key_ids else set()
        inactive |= await auth_sessions.inactive_sessions(sorted(session_ids)) if session_ids else set()
        for listener in listeners:
            expires = listener.principal.expires_at
            ended = listener.principal.key_id in inactive or listener.principal.session_id in inactive
            if ended or (expires is not None and expires <= now):
                listener.close("the credentials of this stream were revoked or expired", "CREDENTIALS_ENDED")
                self.leave(listener)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            self._inbox.put_nowait(_CHECK)
