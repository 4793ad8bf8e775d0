"""Raw SQL on the request's connection, for the queries the ORM cannot express safely.

Tortoise's `in_transaction()` puts the transaction client into the connection context, so
`connection()` here joins the request's transaction automatically. Parameters are always bound;
the only text ever pasted into SQL is a name already checked against `SAFE_NAME`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Literal

import asyncpg
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.backends.base.client import BaseDBAsyncClient, NestedTransactionContext, TransactionalDBClient
from tortoise.connection import get_connections
from tortoise.context import require_context
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

Dialect = Literal["postgres", "sqlite"]
SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
SAFE_ID = re.compile(r"^[a-z]{1,10}_[a-z0-9]{4,40}$")
log = logging.getLogger("basalt.db")


def connection() -> BaseDBAsyncClient:
    """The current client: the transaction's inside one. (Tortoise's `connections` proxy does the
    same lookup with an import and two attribute hops per call: a few µs, several times a request.)"""
    return require_context().connections.get("default")


def dialect() -> Dialect:
    return "postgres" if connection().capabilities.dialect == "postgres" else "sqlite"


def safe_name(name: str) -> str:
    """A name that may appear inside SQL text (JSON keys, index names). Anything else is a bug."""
    if not SAFE_NAME.match(name):
        raise ValueError(f"unsafe SQL name {name!r}")
    return name


def safe_id(value: str) -> str:
    """One of our generated ids (`ot_…`), which partial indexes need as a literal."""
    if not SAFE_ID.match(value):
        raise ValueError(f"unsafe id literal {value!r}")
    return value


def is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, IntegrityError) and "unique" in str(exc).lower()


class Sql:
    """Collects bound parameters and hands out the dialect's placeholders.

    Call `param` in the order the placeholders appear in the SQL text: SQLite's `?` are positional.
    """

    def __init__(self, dialect_: Dialect) -> None:
        self.dialect = dialect_
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.dialect == "postgres" else "?"

    def params_of(self, values: Sequence[Any]) -> str:
        """`param` for each value, their placeholders joined by commas (a row of an INSERT)."""
        start = len(self.params)
        self.params.extend(values)
        return _placeholders(self.dialect, start, len(values))

    def repeat_params(self) -> None:
        """The SQL written so far appears a second time after it: PostgreSQL's numbered
        placeholders repeat by themselves, SQLite's `?` need their values bound again."""
        if self.dialect != "postgres":
            self.params.extend(list(self.params))


@lru_cache(maxsize=256)
def _placeholders(dialect_: Dialect, start: int, count: int) -> str:
    if dialect_ == "postgres":
        return ", ".join([f"${i}" for i in range(start + 1, start + count + 1)])
    return ", ".join("?" * count)


async def fetch(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return [row if type(row) is dict else dict(row) for row in await fetch_rows(sql, params)]


async def fetch_rows(sql: str, params: list[Any] | None = None) -> list[Mapping[str, Any]]:
    """`fetch` for rows that are only read by column name: asyncpg's records as they come (a
    page of 21 objects spent 5% of the request copying them into dicts)."""
    client = connection()
    if type(client) is RequestTransaction:
        return await client.fetch_records(sql, params or [])
    held = _held.get()
    if held is not None and not isinstance(client, TransactionalDBClient):
        rows = await held.fetch(client, sql, params or [])
        if rows is not None:
            return rows
    return list(await client.execute_query_dict(sql, params or []))


class HeldConnection:
    """One pooled PostgreSQL connection for a request's reads outside a transaction.

    Taken at the first read and given back when the request ends, so authentication, the schema
    check and the query share it instead of taking and returning a pool connection each (the
    pool's bookkeeping cost about 25 µs a query). Two reads at once in the same request (GraphQL
    fields resolved concurrently) do not wait for each other: the second uses the pool as usual.

    A request that holds one may still need a second (an ORM query), so at most half the pool is
    held at a time (`holding_slots`); a request waits for a slot, holding nothing, and the other
    half always serves per-query reads and transactions, which never wait for a second
    connection. So no set of requests can each hold one connection and wait for another forever.
    The request's transaction (`transaction()`) runs on the held connection.
    """

    def __init__(self) -> None:
        self._connection: Any = None
        self._pool: Any = None
        self._slots: asyncio.Semaphore | None = None
        self._busy = False
        self._closed = False

    async def fetch(self, client: BaseDBAsyncClient, sql: str, params: list[Any]) -> list[Mapping[str, Any]] | None:
        """Rows, or None when this connection cannot serve the query (busy, closed, not asyncpg)."""
        if self._busy or self._closed:
            return None
        pool = getattr(client, "_pool", None)
        if self._connection is None and (pool is None or client.capabilities.dialect != "postgres" or holding_slots(pool) is None):
            return None
        self._busy = True
        try:
            if self._connection is None:
                await self._take(pool)
            client.log.debug("%s: %s", sql, params)  # logged like the ORM's own queries
            return await self._connection.fetch(sql, *params)  # type: ignore[no-any-return]
        finally:
            self._busy = False
            if self._closed:  # the request ended meanwhile (a task it started outlived it)
                await self._give_back()

    def lend(self) -> Any:
        """The held connection for the request's transaction, or None (none yet, or in use)."""
        if self._busy or self._closed or self._connection is None:
            return None
        self._busy = True
        return self._connection

    async def take_back(self) -> None:
        self._busy = False
        if self._closed:
            await self._give_back()

    async def release(self) -> None:
        """At the end of the request, or before a transaction; later reads use the pool."""
        self._closed = True
        if not self._busy:
            await self._give_back()

    async def _take(self, pool: Any) -> None:
        slots = holding_slots(pool)
        assert slots is not None
        await slots.acquire()
        try:
            self._connection = await _spare(pool) or await pool.acquire()
        except BaseException:
            slots.release()
            raise
        self._pool, self._slots = pool, slots

    async def _give_back(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                if _keepable(connection):
                    _spares_of(self._pool).append(connection)
                else:
                    await self._pool.release(connection)
            finally:
                assert self._slots is not None
                self._slots.release()


_slots_by_pool: dict[int, tuple[Any, asyncio.Semaphore]] = {}


def holding_slots(pool: Any) -> asyncio.Semaphore | None:
    """How many of this pool's connections requests may hold at once: half of them; None for a
    pool of one, which is never held."""
    entry = _slots_by_pool.get(id(pool))
    if entry is None or entry[0] is not pool:
        size = pool.get_max_size()
        entry = _slots_by_pool[id(pool)] = (pool, asyncio.Semaphore(size // 2) if size >= 2 else None)
    return entry[1]


# Connections a request held and gave back, kept (still acquired from the pool) for the next
# request that holds one: asyncpg's acquire and release cost about 14 µs of CPU a request, a
# task for the shielded release among it. A request takes a slot before it takes a spare or a
# pool connection, so held and spare connections together never pass the slots' half of the
# pool. `release_spares` gives them all back (before the pool closes: it waits for them).
_spares_by_pool: dict[int, tuple[Any, list[Any]]] = {}


def _spares_of(pool: Any) -> list[Any]:
    entry = _spares_by_pool.get(id(pool))
    if entry is None or entry[0] is not pool:
        entry = _spares_by_pool[id(pool)] = (pool, [])
    return entry[1]


def _is_open(connection: Any) -> bool:
    """A closed connection's pool proxy is detached from it at once (`_con` None) by asyncpg."""
    return getattr(connection, "_con", None) is not None and not connection.is_closed()


def _keepable(connection: Any) -> bool:
    """Idle and open: a connection left inside a transaction goes back to the pool, whose release
    rolls it back."""
    return _is_open(connection) and not connection.is_in_transaction()


async def _spare(pool: Any) -> Any:
    """A kept connection that is still open (a closed one goes back to the pool), or None."""
    spares = _spares_of(pool)
    while spares:
        connection = spares.pop()
        if _is_open(connection):
            return connection
        await pool.release(connection)  # nothing to do for one asyncpg already took back
    return None


async def release_spares() -> None:
    """Give every kept connection back to its pool (at shutdown, before the pools close)."""
    entries = list(_spares_by_pool.values())
    _spares_by_pool.clear()
    for pool, spares in entries:
        for connection in spares:
            await pool.release(connection)


_held: ContextVar[HeldConnection | None] = ContextVar("basalt_held_connection", default=None)


_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("basalt_after_commit", default=None)


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current `transaction()` has committed (at once outside one).
    For waking in-process workers; anything that must not be lost is written in the transaction."""
    pending = _after_commit.get()
    if pending is None:
        callback()
    elif callback not in pending:
        pending.append(callback)


_after_end: ContextVar[list[Callable[[], Awaitable[Any]]] | None] = ContextVar("basalt_after_end", default=None)


async def even_if_rolled_back(action: Callable[[], Awaitable[Any]]) -> None:
    """Write something that must stay whatever becomes of the current transaction (a security
    reaction such as revoking a replayed token's session, decided just before failing the
    request): it runs once the transaction has ended, outside it; at once outside one."""
    pending = _after_end.get()
    if pending is None:
        await action()
    else:
        pending.append(action)


def transaction(*, one_unit: bool = False) -> Transaction:
    """The request's transaction (see `Transaction`); `on_commit` callbacks run after it commits,
    `even_if_rolled_back` actions after it ends either way.

    `one_unit`: the caller runs one unit of work in it (a mutation with one root field whose answer
    writes nothing more), so the unit's `last_write()` may run on its own when it is the only
    statement (see `RequestTransaction`)."""
    return Transaction(one_unit)


class Transaction:
    """`async with transaction():`. On the request's held connection when it has one: no second
    pooled connection, so a request never holds one and waits for another. Otherwise the held one
    (if any) goes back first and the transaction takes a pooled connection, as `in_transaction()`.
    Nested, it is a savepoint, and the outermost runs the callbacks.

    A class, not a generator-based context manager: every mutation runs in one, and each async
    generator costs its creation, asyncio's first-iteration hook and contextlib's wrapper."""

    __slots__ = ("_one_unit", "_outermost", "_tokens", "_pending", "_actions", "_held", "_pooled", "_wrapper", "_connection_token")

    def __init__(self, one_unit: bool) -> None:
        self._one_unit = one_unit
        self._pooled: Any = None
        self._wrapper: RequestTransaction | None = None

    async def __aenter__(self) -> None:
        self._outermost = _after_commit.get() is None
        if not self._outermost:
            await self._begin(one_unit=False)
            return
        self._pending: list[Callable[[], None]] = []
        self._actions: list[Callable[[], Awaitable[Any]]] = []
        self._tokens = (_after_commit.set(self._pending), _after_end.set(self._actions))
        try:
            await self._begin(one_unit=self._one_unit)
        except BaseException:
            await self._ended(committed=False)
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        committed = False
        try:
            await self._end(exc)
            committed = exc is None or (self._wrapper is not None and self._wrapper.ran_alone)
        finally:
            if self._outermost:
                await self._ended(committed)
        return False

    async def _begin(self, *, one_unit: bool) -> None:
        held = _held.get()
        lent = held.lend() if held is not None else None
        if lent is None:
            if held is not None:
                await held.release()
            self._pooled = in_transaction()
            await self._pooled.__aenter__()
            return
        assert held is not None
        self._held = held
        wrapper = RequestTransaction(connection(), lent, lazy=one_unit)
        self._connection_token = get_connections().set(wrapper.connection_name, wrapper)
        try:
            await wrapper.begin()
        except BaseException:
            get_connections().reset(self._connection_token)
            await held.take_back()
            raise
        self._wrapper = wrapper

    async def _end(self, exc: BaseException | None) -> None:
        """Commit, or roll back after `exc`; what Tortoise's pooled transaction context does,
        minus giving a connection back to the pool."""
        if self._pooled is not None:
            await self._pooled.__aexit__(type(exc) if exc is not None else None, exc, exc.__traceback__ if exc is not None else None)
            return
        wrapper = self._wrapper
        assert wrapper is not None
        try:
            if exc is None:
                if not wrapper._finalized:
                    await wrapper.commit()
                return
            if wrapper.ran_alone and self._outermost:  # its one statement committed on its own: wake what it woke
                log.warning("a request failed after its only statement committed on its own: %r", exc)
            if not wrapper._finalized and not isinstance(exc, TransactionManagementError):
                await wrapper.rollback()
        finally:
            get_connections().reset(self._connection_token)
            await self._held.take_back()

    async def _ended(self, committed: bool) -> None:
        _after_commit.reset(self._tokens[0])
        _after_end.reset(self._tokens[1])
        for action in self._actions:
            await action()
        if committed:
            for callback in self._pending:
                callback()


class _LastWrite:
    statements = 0


_last_write: ContextVar[_LastWrite | None] = ContextVar("basalt_last_write", default=None)


def last_write() -> LastWrite:
    """The statement inside ends the request's unit of work: nothing is written after it.

    In a `one_unit` transaction where nothing ran before it, it runs on its own, without BEGIN and
    COMMIT: PostgreSQL makes a single statement atomic by itself, so the two round trips would buy
    nothing. Elsewhere it is an ordinary statement of the transaction. Exactly one statement may
    run inside (a second one could not join the first): more raise TransactionManagementError."""
    return LastWrite()


class LastWrite:
    """`async with last_write():` (a class: see `Transaction`)."""

    __slots__ = ("_token",)

    async def __aenter__(self) -> None:
        self._token = _last_write.set(_LastWrite())

    async def __aexit__(self, *exc: Any) -> bool:
        _last_write.reset(self._token)
        return False


def runs_alone() -> bool:
    """True when the next statement commits on its own: the lone last write of a unit of work (see
    `RequestTransaction`), or any statement outside a transaction. A row lock it takes is then held
    only until its own commit, right after it. (Read before the statement takes the connection:
    should a concurrent statement of the same request open the transaction in between, the lock
    lasts until that transaction's commit instead. Slower for whoever waits, never wrong.)"""
    client = connection()
    if isinstance(client, RequestTransaction):
        last = _last_write.get()
        return client._state == "new" and last is not None and last.statements == 0
    return not isinstance(client, TransactionalDBClient)


class RequestTransaction(TransactionWrapper):
    """The request's transaction on its held connection, with BEGIN sent before its first
    statement rather than on entry when `lazy` (the caller runs one unit of work).

    States: `new` (nothing sent), `open` (BEGIN sent: commit or roll back as usual), `alone` (the
    unit's `last_write` ran as the only statement and committed by itself). After `alone`, reads
    that answer the mutation (its fields) run as they would after a commit; a second statement
    inside `last_write`, or a nested transaction, raises.
    """

    def __init__(self, client: BaseDBAsyncClient, lent: Any, *, lazy: bool) -> None:
        super().__init__(client)  # type: ignore[arg-type]
        self._connection = lent
        self._lazy = lazy
        self._state = "new"

    @property
    def ran_alone(self) -> bool:
        return self._state == "alone"

    async def begin(self) -> None:
        if not self._lazy:
            await self._open()

    def acquire_connection(self) -> Any:
        return _Statement(self)

    async def fetch_records(self, sql: str, params: list[Any]) -> list[Any]:
        """`execute_query_dict` without its two wrappers and the copy into dicts (`fetch_rows`),
        its errors translated as Tortoise's `_translate_exceptions` translates them."""
        try:
            async with _Statement(self) as lent:
                self.log.debug("%s: %s", sql, params)  # logged like the ORM's own queries
                return await lent.fetch(sql, *params)  # type: ignore[no-any-return]
        except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as exc:
            raise OperationalError(exc) from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(exc) from exc
        except asyncpg.InvalidTransactionStateError as exc:
            raise TransactionManagementError(exc) from exc

    def _in_transaction(self) -> Any:
        return NestedTransactionContext(_Savepoint(self))

    async def commit(self) -> None:
        if self._state == "open":
            await super().commit()
        self._finalized = True

    async def rollback(self) -> None:
        if self._state == "open":
            await super().rollback()
        self._finalized = True

    async def before_statement(self) -> bool:
        """Called with the lock held, before each statement runs on the connection; True when the
        statement is to run on its own."""
        last = _last_write.get()
        if last is not None:
            last.statements += 1
            if last.statements > 1:
                raise TransactionManagementError("last_write() runs one statement: a second one could not join it")
        if self._state != "new":
            return False
        if last is None:
            await self._open()
            return False
        self._state = "alone"
        return True

    def lone_statement_failed(self) -> None:
        """It changed nothing (a failed statement on its own rolls itself back): back to `new`."""
        self._state = "new"

    async def open_for_savepoint(self) -> None:
        async with self._lock:
            if self._state == "alone":
                raise TransactionManagementError("the unit of work already ended with its last write")
            if self._state == "new":
                await self._open()

    async def _open(self) -> None:
        await TransactionWrapper.begin(self)
        self._state = "open"


class _Statement:
    """`acquire_connection()` of a `RequestTransaction`: its lock, and BEGIN first when due."""

    __slots__ = ("_transaction", "_alone")

    def __init__(self, transaction: RequestTransaction) -> None:
        self._transaction = transaction
        self._alone = False

    async def __aenter__(self) -> Any:
        await self._transaction._lock.acquire()
        try:
            self._alone = await self._transaction.before_statement()
        except BaseException:
            self._transaction._lock.release()
            raise
        return self._transaction._connection

    async def __aexit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None and self._alone:
            self._transaction.lone_statement_failed()
        self._transaction._lock.release()


class _Savepoint(TransactionWrapper):
    """A nested transaction of a `RequestTransaction`: its BEGIN must come first."""

    def __init__(self, outer: RequestTransaction) -> None:
        super().__init__(outer)  # type: ignore[arg-type]
        self._outer = outer

    async def begin(self) -> None:
        await self._outer.open_for_savepoint()
        await super().begin()


def held_connection() -> HeldScope:
    """Around one HTTP request: its reads outside transactions share one pooled connection."""
    return HeldScope()


class HeldScope:
    """`async with held_connection():` (a class: see `Transaction`)."""

    __slots__ = ("_held", "_token")

    async def __aenter__(self) -> None:
        self._held = HeldConnection()
        self._token = _held.set(self._held)

    async def __aexit__(self, *exc: Any) -> bool:
        _held.reset(self._token)
        await self._held.release()
        return False


async def execute(sql: str, params: list[Any] | None = None) -> int:
    """Run a statement; returns the number of rows it changed."""
    changed, _ = await connection().execute_query(sql, params or [])
    return changed


async def execute_script(sql: str) -> None:
    await connection().execute_script(sql)


def as_datetime(value: Any) -> datetime:
    """A timestamp column read by raw SQL: asyncpg gives datetimes, SQLite gives ISO text."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


async def release_held() -> None:
    """Give the request's held connection back early (a stream that lives on must not keep it)."""
    held = _held.get()
    if held is not None:
        await held.release()
