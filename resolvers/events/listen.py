"""Listening: what a subscriber asks for (event types, an object type, a `where` filter, a resume
point), checked once and turned into a predicate the hub evaluates per event."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from models.policies import AccessPolicy
from resolvers.authz import require_scope
from resolvers.errors import ValidationError
from resolvers.events.hub import Listener, Refresh
from resolvers.events.realtime import Realtime
from resolvers.events.schemas import OBJECT_EVENTS, EventRecord
from resolvers.objects.filter_match import compile_predicate
from resolvers.objects.service import load_schema
from resolvers.policies import engine as policies
from resolvers.principal import Principal
from resolvers.scoping import scoped

MAX_TYPE_PATTERNS = 20
TYPE_PATTERN = re.compile(r"^(\*|[A-Za-z][A-Za-z0-9_.:-]{0,99}(\.\*)?)$")
OBJECT_KINDS = tuple(t.split(".", 1)[1] for t in OBJECT_EVENTS)


@dataclass
class Subscription:
    """An open listener; iterate `events()` and always `close()` (a finally block)."""

    listener: Listener
    realtime: Realtime

    def events(self) -> AsyncIterator[EventRecord]:
        return self.listener.events()

    def close(self) -> None:
        self.realtime.leave(self.listener)


async def subscribe_events(
    principal: Principal | None, realtime: Realtime, *, types: list[str] | None = None, after: Any = None
) -> Subscription:
    """Any event type of the caller's tenant: `types` are exact names or `prefix.*` (`*`: all)."""
    caller = require_scope(principal, "read")
    matches_type = type_matcher(types, field="types")
    visible = await policy_gate(caller)
    return await _open(caller, realtime, lambda event: matches_type(event) and visible(event), after, refresh=visible.rebuild)


async def subscribe_objects(
    principal: Principal | None,
    realtime: Realtime,
    *,
    object_type: str | None = None,
    kinds: list[str] | None = None,
    where: Any = None,
    after: Any = None,
) -> Subscription:
    """Object events, optionally of one type, some kinds, and objects matching `where` (the list
    filter language, which needs `object_type`), evaluated per event on the object's new data."""
    caller = require_scope(principal, "read")
    wanted = _kinds(kinds)
    type_id: str | None = None
    matches: Callable[[dict[str, Any]], bool] = lambda _obj: True
    if object_type is not None:
        schema = await load_schema(caller.tenant_id, object_type, caller.schema_version)
        type_id = schema.id
        matches = compile_predicate(where, schema)
    elif where not in (None, {}, []):
        raise ValidationError.single("where", "needs objectTypeId: a filter names the properties of one type")

    visible = await policy_gate(caller)

    def accepts(event: EventRecord) -> bool:
        return (
            event.type in wanted
            and (type_id is None or event.object_type_id == type_id)
            and isinstance(event.data, dict)
            and matches(event.data)
            and visible(event)
        )

    return await _open(caller, realtime, accepts, after, refresh=visible.rebuild)


class PolicyGate:
    """Object events pass only for rows the subscriber may select. Built from the row-level
    policies when the subscription opens, and rebuilt by the hub when the tenant's policies,
    types or roles change, so an open subscription follows them within a check interval."""

    def __init__(self) -> None:
        self._predicates: dict[str, Callable[[dict[str, Any]], bool] | None] = {}

    async def rebuild(self, caller: Principal) -> None:
        type_ids = await scoped(AccessPolicy, caller.tenant_id).filter(action="select", enabled=True).distinct().values_list("object_type_id", flat=True)
        predicates: dict[str, Callable[[dict[str, Any]], bool] | None] = {}
        for type_id in type_ids:
            schema = await load_schema(caller.tenant_id, str(type_id), caller.schema_version)
            where = policies.row_filter(schema, "select", await policies.context_of(caller, schema))
            predicates[schema.id] = None if where is None else compile_predicate(where, schema)
        self._predicates = predicates

    def __call__(self, event: EventRecord) -> bool:
        predicate = self._predicates.get(event.object_type_id or "") if event.type.startswith("object.") else None
        return predicate is None or (isinstance(event.data, dict) and predicate(event.data))


async def policy_gate(caller: Principal) -> PolicyGate:
    gate = PolicyGate()
    await gate.rebuild(caller)
    return gate


async def subscribe_files(principal: Principal | None, realtime: Realtime, *, folder: str | None = None, after: Any = None) -> Subscription:
    """File events (`file.*`), optionally only those of one folder (the event's `data.folder`)."""
    caller = require_scope(principal, "read")
    if folder is not None and (not isinstance(folder, str) or not 1 <= len(folder) <= 500):
        raise ValidationError.single("folder", "must be 1 to 500 characters")

    def accepts(event: EventRecord) -> bool:
        return event.type.startswith("file.") and (
            folder is None or (isinstance(event.data, dict) and event.data.get("folder") == folder)
        )

    return await _open(caller, realtime, accepts, after)


async def _open(
    caller: Principal, realtime: Realtime, accepts: Callable[[EventRecord], bool], after: Any, *, refresh: Refresh | None = None,
) -> Subscription:
    listener = await realtime.listen(caller, accepts, after=parse_after(after), refresh=refresh)
    return Subscription(listener, realtime)


def parse_after(value: Any, *, field: str = "after") -> int | None:
    """A resume point: the id of the last event seen (a non-negative integer, as text or number)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError.single(field, "must be an event id")
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        raise ValidationError.single(field, "must be the id of an event (a non-negative integer)")
    return int(text)


def type_matcher(patterns: list[str] | None, *, field: str) -> Callable[[EventRecord], bool]:
    if patterns is None:
        return lambda _event: True
    if not 1 <= len(patterns) <= MAX_TYPE_PATTERNS:
        raise ValidationError.single(field, f"must list 1 to {MAX_TYPE_PATTERNS} event types")
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not TYPE_PATTERN.match(pattern):
            raise ValidationError.single(f"{field}[{i}]", "must be an event type, a prefix ending in .* or *")
    exact = {p for p in patterns if not p.endswith("*")}
    prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))
    return lambda event: event.type in exact or event.type.startswith(prefixes)


def _kinds(kinds: list[str] | None) -> set[str]:
    if kinds is None:
        return set(OBJECT_EVENTS)
    if not kinds:
        raise ValidationError.single("events", "must list at least one kind")
    unknown = [k for k in kinds if k not in OBJECT_KINDS]
    if unknown:
        raise ValidationError.single("events", f"unknown kind {unknown[0]!r}; use {', '.join(OBJECT_KINDS)}")
    return {f"object.{k}" for k in kinds}
