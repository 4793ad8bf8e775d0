"""A per-process cache of type schemas, checked against the tenant's schema version.

Every object request needs its type and properties. Authentication already reads the tenant
row, and with it `tenants.schema_version`, which every object-type or property change bumps in
its own transaction. A cached schema is used only when it was stored under exactly the version
the request authenticated with, so no process ever serves a schema older than the request's
start, and a change committed on any process is seen on the next request everywhere.

Two in-process details keep that true:
- a change drops this tenant's entries at once, so later work in the same request (a GraphQL
  mutation can create a property, then an object) never reads a schema it just replaced;
- a transaction that changed a tenant's schema neither reads nor fills the cache for that
  tenant: what it sees is not committed yet, and other requests must not see it.
A stored schema can be newer than the version it is stored under (loaded after authentication),
never older, which is the safe direction.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Awaitable, Callable
from weakref import WeakKeyDictionary

from tortoise.backends.base.client import TransactionalDBClient

from resolvers import db
from resolvers.objects.schemas import TypeSchema
from resolvers.tenants import repository as tenants

MAX_ENTRIES = 4096

_entries: OrderedDict[tuple[str, str], tuple[int, TypeSchema]] = OrderedDict()
_changed_in: WeakKeyDictionary[TransactionalDBClient, set[str]] = WeakKeyDictionary()


async def cached(tenant_id: str, type_ref: str, version: int | None, load: Callable[[], Awaitable[TypeSchema]]) -> TypeSchema:
    """The schema of `type_ref` (an id or a name), from the cache when its version matches."""
    if version is None or _changed_here(tenant_id):
        return await load()
    key = (tenant_id, type_ref)
    entry = _entries.get(key)
    if entry is not None and entry[0] == version:
        _entries.move_to_end(key)
        return entry[1]
    schema = await load()
    _entries[key] = (version, schema)
    if len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return schema


async def schema_changed(tenant_id: str) -> None:
    """Call after any write to a tenant's object types or properties, in the same transaction."""
    await tenants.bump_schema_version(tenant_id)
    for key in [k for k in _entries if k[0] == tenant_id]:
        del _entries[key]
    client = db.connection()
    if isinstance(client, TransactionalDBClient):
        _changed_in.setdefault(client, set()).add(tenant_id)


def _changed_here(tenant_id: str) -> bool:
    if not _changed_in:  # no transaction changed a schema: skip looking up the connection
        return False
    client = db.connection()
    return isinstance(client, TransactionalDBClient) and tenant_id in _changed_in.get(client, ())


def clear() -> None:
    """Forget everything (tests that compare cached and uncached behaviour)."""
    _entries.clear()
