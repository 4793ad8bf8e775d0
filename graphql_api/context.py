"""The per-request context shared by GraphQL and REST-compat: who calls, from where, with what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from resolvers.principal import Principal
from resolvers.runtime import Runtime


class Loaders:
    """Dataloaders live for one request, so batching never leaks data between principals."""

    def __init__(self) -> None:
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    def get(self, name: str, factory: Callable[[], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        if name not in self._loaders:
            self._loaders[name] = factory()
        return self._loaders[name]


@dataclass
class Context:
    connection: HTTPConnection
    runtime: Runtime
    principal: Principal | None
    request_id: str
    client_ip: str | None
    loaders: Loaders = field(default_factory=Loaders)
    connection_params: dict[str, Any] | None = None  # set by graphql-transport-ws connection_init


def principal_of(connection: HTTPConnection) -> Principal | None:
    user = connection.scope.get("user")
    return getattr(user, "principal", None)


def request_id_of(connection: HTTPConnection) -> str:
    return connection.scope.get("state", {}).get("request_id", "")


def build_context(connection: HTTPConnection) -> Context:
    return Context(
        connection=connection,
        runtime=connection.app.state.runtime,
        principal=principal_of(connection),
        request_id=request_id_of(connection),
        client_ip=connection.client.host if connection.client else None,
    )
