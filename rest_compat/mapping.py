"""The vocabulary of the route table: where each GraphQL argument comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Union

Auth = Literal["bearer", "public"]


@dataclass(frozen=True)
class PathParam:
    name: str


@dataclass(frozen=True)
class QueryParam:
    name: str


@dataclass(frozen=True)
class HeaderOrQuery:
    """A header, falling back to a query parameter (e.g. X-Tenant-Id or ?tenant_id=)."""

    header: str
    query: str


@dataclass(frozen=True)
class Header:
    name: str


@dataclass(frozen=True)
class RawBody:
    """The body exactly as sent, as text: for callers that verify a signature over its bytes."""


@dataclass(frozen=True)
class Body:
    """The whole JSON body (an input object), or one field of it when `field` is set."""

    field: str | None = None


Source = Union[PathParam, QueryParam, HeaderOrQuery, Header, RawBody, Body]


@dataclass(frozen=True)
class RestRoute:
    """One documented REST route, executed as one root field of the GraphQL schema."""

    method: str
    path: str  # as documented, with :params
    field: str  # GraphQL root field
    group: str
    summary: str
    args: dict[str, Source] = field(default_factory=dict)
    status: int = 200
    auth: Auth = "bearer"
    select: tuple[str, ...] = ()  # top-level result fields to return (default: all of them)
    form: bool = False  # also accept multipart/form-data: text fields, and a file as `content` + `filename`
    respond: Callable[..., Awaitable[Any]] | None = None  # (data, context) -> Response, for non-JSON answers

    @property
    def starlette_path(self) -> str:
        return "/".join("{" + s[1:] + "}" if s.startswith(":") else s for s in self.path.split("/"))

    @property
    def specificity(self) -> tuple[int, ...]:
        """Literal segments sort before :params, so /v1/objects/:id/list beats /v1/objects/:id/:oid."""
        return tuple(1 if s.startswith(":") else 0 for s in self.path.strip("/").split("/"))
