"""File-based extensions as loaded at start: their routes (three kinds) and what handlers get."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolvers.errors import DomainError
from resolvers.principal import Principal

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTH_MODES = ("api_key", "public")
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
PARAM_SEGMENT = re.compile(r"^\[([A-Za-z_][A-Za-z0-9_]*)\]$")  # [id] in a file route's path
SDK_PARAM = re.compile(r"^:([A-Za-z_][A-Za-z0-9_]*)$")  # :id in a registered route's path
ACTIONS = {"read": "read", "create": "write", "update": "write", "write": "write", "delete": "delete"}


class InvalidInput(DomainError):
    """A plugin route's body does not satisfy its declared schema."""

    code = "VALIDATION_ERROR"
    status = 400
    default_message = "Invalid input"


class ExtensionLoadError(Exception):
    """An extension cannot be loaded: the server does not start (the message names the file)."""


@dataclass(frozen=True)
class RoutePattern:
    """A URL path as segments; `None` stands for a parameter (its name in `params`)."""

    segments: tuple[str | None, ...]
    params: tuple[str, ...]

    @property
    def shape(self) -> str:
        return "/" + "/".join(s if s is not None else ":" for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        found: dict[str, str] = {}
        names = iter(self.params)
        for want, got in zip(self.segments, parts):
            if want is None:
                found[next(names)] = got
            elif want != got:
                return None
        return found

    @property
    def specificity(self) -> tuple[int, ...]:
        """Literal segments beat parameters, position by position."""
        return tuple(1 if s is None else 0 for s in self.segments)


@dataclass(frozen=True)
class ExtensionRoute:
    """One handler of one method at one path. `kind`: file (extensions/<name>/api/...), sdk
    (sdk.register_routes) or plugin (extensions/<name>/plugin/...)."""

    kind: str
    extension: str
    method: str
    pattern: RoutePattern
    handler: Callable[..., Any]
    source: str  # the file, for errors and the docs
    auth: str = "api_key"  # file routes: api_key | public; sdk and plugin routes: always authenticated
    permission: str | None = None  # sdk routes: objects:<collection>:<action>
    description: str | None = None
    input_model: Any = None  # plugin routes: a pydantic model the JSON body must satisfy


@dataclass
class Extension:
    name: str
    path: Path
    version: str | None = None
    description: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    config_model: Any = None  # a pydantic model a plugin's config_json must satisfy
    routes: list[ExtensionRoute] = field(default_factory=list)

    @property
    def is_plugin(self) -> bool:
        return any(r.kind == "plugin" for r in self.routes)


@dataclass
class Catalog:
    """Every extension this server loaded, and their routes by kind."""

    extensions: dict[str, Extension] = field(default_factory=dict)

    def routes(self, kind: str) -> list[ExtensionRoute]:
        return [r for e in self.extensions.values() for r in e.routes if r.kind == kind]


@dataclass
class RouteContext:
    """What an extension route handler gets (../spec/000's context, in Python names)."""

    search_params: dict[str, str | list[str]]
    params: dict[str, str]
    body: Any
    raw_body: str
    headers: dict[str, str]
    tenant: dict[str, str] | None
    extension: dict[str, str]
    principal: Principal | None
    config: dict[str, Any] = field(default_factory=dict)  # plugin routes: the tenant's plugin config
    input: Any = None  # plugin routes: the validated body

    @property
    def context(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "extension": self.extension}

    def items(self, collection: str) -> Any:
        """The collection's items service, as the caller (public routes: unavailable)."""
        from resolvers.plugins.sdk import ItemsService

        if self.principal is None:
            raise PermissionError("items services need an authenticated caller")
        return ItemsService(collection, self.principal)


def permission_of(value: str, source: str) -> str:
    """`customers.read` (Directus style) or `objects:customers:read`, as a permission string."""
    if value.startswith("objects:") or value in ("*", "files:read", "files:write", "files:*"):
        return value
    collection, _, action = value.rpartition(".")
    if not collection or action not in ACTIONS:
        raise ExtensionLoadError(f"{source}: requiredPermission {value!r} must be <collection>.<read|create|update|delete> or objects:<type>:<action>")
    return f"objects:{collection}:{ACTIONS[action]}"
