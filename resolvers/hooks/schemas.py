"""Runtime hooks: the event vocabulary, limits, and the errors a hook can cause."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from resolvers.errors import DomainError

HOOK_TYPES = ("filter", "action")
STATUSES = ("active", "inactive", "error")
ITEM_ACTIONS = ("create", "update", "delete", "read", "query")
# items.create | articles.items.create | versions.create | xtr.item.promote
EVENT = re.compile(r"^(?:(?:[a-z][a-z0-9_]{0,62}\.)?items\.(?:create|update|delete|read|query)|versions\.create|xtr\.[a-z0-9_-]{1,40}\.[a-z0-9_-]{1,40})$")
MAX_HOOKS_PER_TENANT = 100
MAX_DEPTH = 3  # a hook's write firing hooks firing hooks... stops here
CACHE_SECONDS = 0.5  # each process rereads a tenant's active hooks this often: changes apply within a second
MAX_TEST_PAYLOAD_BYTES = 256 * 1024


FILTER_ONLY = re.compile(r"(^|\.)items\.(read|query)$")  # reads are not events: nothing happens after them to act on


def after_commit_event_error(event: str) -> str | None:
    """Why `event` cannot drive code that runs after commit (action hooks, event functions)."""
    if FILTER_ONLY.search(event):
        return "items.read and items.query are filter-only: code after commit runs on committed changes (create, update, delete, versions.create, xtr.*)"
    return None


def event_names(action: str, collection: str | None) -> list[str]:
    """The names a data event is known by, generic first: items.create, articles.items.create."""
    names = [f"items.{action}"]
    if collection:
        names.append(f"{collection}.items.{action}")
    return names


@dataclass(frozen=True)
class HookEvent:
    """A data event about to happen (filters) or that happened (actions)."""

    names: tuple[str, ...]  # every name it matches, e.g. (items.create, articles.items.create)
    meta: dict[str, Any]  # event, collection, keys, ...


class HookRejected(DomainError):
    """A filter hook threw: the write is refused with its message."""

    code = "HOOK_REJECTED"
    status = 400
    default_message = "A hook rejected this request"


class HookFailed(DomainError):
    """A filter hook timed out, ran out of memory or crashed: the write is refused, safely."""

    code = "HOOK_FAILED"
    status = 503
    default_message = "A hook failed while checking this request"


class HookDepthExceeded(DomainError):
    code = "HOOK_DEPTH_EXCEEDED"
    status = 400
    default_message = f"Hooks may trigger hooks at most {MAX_DEPTH} levels deep"
