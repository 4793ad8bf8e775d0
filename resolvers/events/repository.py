"""Event log queries. Every read is confined to one tenant; only the relay and the pruner work
across tenants, and they never return rows to a caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from models import jsoncodec
from resolvers import db
from resolvers.events.schemas import CHAIN_DEPTH, EventRecord, NewEvent

COLUMNS = "seq, tenant_id, type, custom, object_type_id, object_id, data, changed, actor, depth, created_at"
INSERT_ROWS = 100


def to_record(row: dict[str, Any]) -> EventRecord:
    return EventRecord(
        seq=int(row["seq"]),
        tenant_id=row["tenant_id"],
        type=row["type"],
        custom=bool(row["custom"]),
        object_type_id=row["object_type_id"],
        object_id=row["object_id"],
        data=jsoncodec.plain(_json(row["data"])),
        changed=_json(row["changed"]),
        actor=row["actor"],
        created_at=db.as_datetime(row["created_at"]),
        depth=int(row["depth"] or 0),
    )


def _json(value: Any) -> Any:
    return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value


PendingWrite = tuple[str, db.Sql]  # a statement not run yet, and the parameters it was built with


async def insert(events: list[NewEvent], when: datetime, *, alongside: PendingWrite | None = None) -> list[EventRecord]:
    """In the caller's transaction: the events commit (or roll back) with the change.

    `alongside` is the change itself, not run yet: on PostgreSQL it goes into the first INSERT as a
    data-modifying CTE (one round trip instead of two; the CTE runs exactly once, and a failure of
    either part fails the statement). SQLite runs it first, on its own.

    Returns the events numbered as they were written (`_numbered_insert`); the rest get their seq
    from the relay after commit."""
    if alongside is not None and alongside[1].dialect != "postgres":
        await db.execute(alongside[0], alongside[1].params)
        alongside = None
    if alongside is not None and _may_number(events):  # on PostgreSQL (SQLite's change ran above)
        return await _numbered_insert(events, when, alongside)
    for start in range(0, len(events), INSERT_ROWS):
        sql = alongside[1] if alongside is not None else db.Sql(db.dialect())
        text = _insert_sql(events[start : start + INSERT_ROWS], when, sql)
        if alongside is not None:
            text, alongside = f"WITH changed AS ({alongside[0]}) {text}", None
        await db.execute(text, sql.params)
    return []


def _may_number(events: list[NewEvent]) -> bool:
    """One statement of one tenant's events that commits by itself, on PostgreSQL (the caller's
    check). Only with the change they describe (`alongside`: objects created), which no earlier
    event can concern: an update numbered here could overtake the create of its object still
    waiting for the relay."""
    return len(events) <= INSERT_ROWS and len({e.tenant_id for e in events}) == 1 and db.runs_alone()


async def _numbered_insert(events: list[NewEvent], when: datetime, alongside: PendingWrite) -> list[EventRecord]:
    """Write the events (and the change) with their seqs, when the tenant's counter is free.

    The statement commits by itself (`db.runs_alone`), so the counter's row lock lasts until that
    commit, like the relay's: whoever numbers next waits for it, which keeps seqs in the order
    events become visible. `SKIP LOCKED`: when the counter is busy (or the tenant has none yet),
    nothing waits; the events are written without a seq and the relay numbers them. The change
    runs first, in full (the counter waits for its count), so a wait of its own (a unique value
    another transaction holds) never happens with the counter locked. (Foreign keys on `objects`
    would break that: their checks run at the end of the statement.)"""
    change, sql = alongside
    count = len(events)
    ctes = [
        f"changed AS ({change} RETURNING 1)",
        f"numbering AS (UPDATE event_sequences SET last_seq = last_seq + {count} WHERE tenant_id = ("
        f"SELECT s.tenant_id FROM event_sequences s WHERE s.tenant_id = {sql.param(events[0].tenant_id)} "
        f"AND (SELECT count(*) FROM changed) > 0 FOR UPDATE SKIP LOCKED) RETURNING last_seq)",
    ]
    stamp = sql.param(when)
    data = [jsoncodec.dumps(e.data) for e in events]
    rows = _value_rows(events, when, sql, data=data, extra=lambda i: (
        f"(SELECT last_seq - {count - 1 - i} FROM numbering)", f"(SELECT CAST({stamp} AS TIMESTAMPTZ) FROM numbering)",
    ))
    text = f"WITH {', '.join(ctes)} INSERT INTO events ({_INSERT_COLUMNS}, seq, published_at) VALUES {rows} RETURNING seq"
    written = await db.fetch(text, sql.params)
    seqs = sorted(int(r["seq"]) for r in written if r["seq"] is not None)
    return [_written(event, dumped, seq, when) for event, dumped, seq in zip(events, data, seqs)] if len(seqs) == count else []


def _written(event: NewEvent, data: str, seq: int, when: datetime) -> EventRecord:
    """The record its row reads back as (`to_record`), from what was written: seqs are
    consecutive in the order of `events`."""
    return EventRecord(
        seq=seq, tenant_id=event.tenant_id, type=event.type, custom=event.custom,
        object_type_id=event.object_type_id, object_id=event.object_id, data=jsoncodec.read_back(event.data, data),
        changed=None if event.changed is None else list(event.changed), actor=event.actor,
        depth=CHAIN_DEPTH.get() or 0, created_at=when,
    )


_INSERT_COLUMNS = "tenant_id, type, custom, object_type_id, object_id, data, changed, actor, depth, created_at"


def _insert_sql(events: list[NewEvent], when: datetime, sql: db.Sql) -> str:
    return f"INSERT INTO events ({_INSERT_COLUMNS}) VALUES {_value_rows(events, when, sql)}"


def _value_rows(
    events: list[NewEvent], when: datetime, sql: db.Sql, extra: Callable[[int], tuple[str, ...]] | None = None, data: list[str] | None = None
) -> str:
    """`data`: the events' data already as JSON text."""
    depth = CHAIN_DEPTH.get() or None
    texts = data if data is not None else [jsoncodec.dumps(e.data) for e in events]
    return ", ".join(
        "(" + ", ".join([sql.params_of((
            e.tenant_id, e.type, e.custom, e.object_type_id, e.object_id, texts[i],
            None if e.changed is None else jsoncodec.dumps(e.changed), e.actor, depth, when,
        )), *(extra(i) if extra is not None else ())]) + ")"
        for i, e in enumerate(events)
    )


# --- the relay -----------------------------------------------------------------------------


# PostgreSQL numbers a batch in one function call, under RELAY_LOCK (see `sequence_batch`): take
# the unnumbered committed rows, bump each tenant's counter, and stamp the events.
RELAY_LOCK = 0x6261_7361_6C74  # pg_advisory_xact_lock key: one relay numbers at a time, cluster-wide


async def sequence_batch(limit: int, when: datetime) -> list[EventRecord]:
    """PostgreSQL: number up to `limit` committed events, one relay at a time, in one round trip.

    Relays serialise on a transaction-scoped advisory lock, and each reads the unnumbered rows
    only once it holds it (a fresh snapshot: `basalt_sequence_events`, migration 0023, takes the
    lock in one statement and numbers in the next, and a VOLATILE function snapshots each
    statement anew). So a later change of an object can never be numbered before an earlier one:
    whatever a relay numbers committed before anything the next relay numbers. (Claiming rows
    first and then queueing for per-tenant counters let a held-up relay number a create after its
    update.) The call is its own transaction: the lock goes with its commit.
    """
    rows = await db.fetch("SELECT * FROM basalt_sequence_events($1, $2)", [int(limit), when])
    return sorted((to_record(r) for r in rows), key=lambda e: (e.tenant_id, e.seq))


async def claim_unsequenced(limit: int) -> list[tuple[int, str]]:
    """SQLite: (id, tenant_id) of committed events without a seq, oldest first (SQLite has one
    writer at a time, so the relay's transaction is alone)."""
    rows = await db.fetch(f"SELECT id, tenant_id FROM events WHERE seq IS NULL ORDER BY id LIMIT {int(limit)}")
    return [(int(r["id"]), r["tenant_id"]) for r in rows]


async def advance_sequence(tenant_id: str, count: int) -> int:
    """Reserve `count` seqs for the tenant and return the last one (row-locked until commit)."""
    sql = db.Sql(db.dialect())
    rows = await db.fetch(
        f"INSERT INTO event_sequences (tenant_id, last_seq) VALUES ({sql.param(tenant_id)}, {sql.param(count)}) "
        f"ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_sequences.last_seq + {sql.param(count)} RETURNING last_seq",
        sql.params,
    )
    return int(rows[0]["last_seq"])


async def assign(numbered: list[tuple[int, int]], when: datetime) -> list[EventRecord]:
    """Give each event id its seq, mark it published, and return the sequenced events."""
    sql = db.Sql(db.dialect())
    cases = " ".join(f"WHEN {sql.param(event_id)} THEN CAST({sql.param(seq)} AS BIGINT)" for event_id, seq in numbered)
    stamp = sql.param(when)
    ids = ", ".join(sql.param(event_id) for event_id, _ in numbered)
    rows = await db.fetch(
        f"UPDATE events SET seq = CASE id {cases} END, published_at = {stamp} WHERE id IN ({ids}) RETURNING {COLUMNS}",
        sql.params,
    )
    return sorted((to_record(r) for r in rows), key=lambda e: (e.tenant_id, e.seq))


async def last_seqs(tenant_ids: list[str]) -> dict[str, int]:
    if not tenant_ids:
        return {}
    sql = db.Sql(db.dialect())
    marks = ", ".join(sql.param(t) for t in tenant_ids)
    rows = await db.fetch(f"SELECT tenant_id, last_seq FROM event_sequences WHERE tenant_id IN ({marks})", sql.params)
    found = {r["tenant_id"]: int(r["last_seq"]) for r in rows}
    return {t: found.get(t, 0) for t in tenant_ids}


async def prune(before: datetime) -> int:
    sql = db.Sql(db.dialect())
    return await db.execute(f"DELETE FROM events WHERE created_at < {sql.param(before)} AND seq IS NOT NULL", sql.params)


# --- reads ---------------------------------------------------------------------------------


async def after(tenant_id: str, after_seq: int, *, up_to: int | None = None, limit: int = 500) -> list[EventRecord]:
    """Sequenced events of the tenant with after_seq < seq (<= up_to), in order."""
    sql = db.Sql(db.dialect())
    where = f"tenant_id = {sql.param(tenant_id)} AND seq > {sql.param(after_seq)}"  # in placeholder order: SQLite's ? are positional
    if up_to is not None:
        where += f" AND seq <= {sql.param(up_to)}"
    rows = await db.fetch(f"SELECT {COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT {int(limit)}", sql.params)
    return [to_record(r) for r in rows]


async def custom_page(tenant_id: str, limit: int, offset: int) -> tuple[list[EventRecord], int]:
    """Custom events, newest first, with the total (unsequenced ones included: they committed)."""
    sql = db.Sql(db.dialect())
    where = f"tenant_id = {sql.param(tenant_id)} AND custom = {sql.param(True)}"
    count = await db.fetch(f"SELECT count(*) AS n FROM events WHERE {where}", list(sql.params))
    rows = await db.fetch(
        f"SELECT id, {COLUMNS.replace('seq, ', '')}, seq FROM events WHERE {where} ORDER BY id DESC "
        f"LIMIT {int(limit)} OFFSET {int(offset)}",
        sql.params,
    )
    return [to_record({**r, "seq": r["seq"] if r["seq"] is not None else 0}) for r in rows], int(count[0]["n"])


async def custom_types(tenant_id: str) -> list[str]:
    sql = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT DISTINCT type FROM events WHERE tenant_id = {sql.param(tenant_id)} AND custom = {sql.param(True)} ORDER BY type",
        sql.params,
    )
    return [r["type"] for r in rows]
