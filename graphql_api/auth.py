"""The one authentication backend: `Authorization: Bearer …` becomes a `Principal`.

Used for both transports (REST and GraphQL over HTTP); GraphQL over WebSocket authenticates
its `connection_init` payload through `authenticate_token`, the same function.
"""

from __future__ import annotations

from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.requests import HTTPConnection
from starlette.responses import Response

from graphql_api.errors import render_error
from graphql_api.middleware import header
from resolvers.api_keys import service as api_keys
from resolvers.auth import service as user_auth
from resolvers.errors import DomainError, Unauthorized
from resolvers.principal import Principal
from resolvers.runtime import Runtime


class PrincipalUser(BaseUser):
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.principal.key_id or self.principal.user_id or ""

    @property
    def identity(self) -> str:
        return self.display_name


class AuthFailed(AuthenticationError):
    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


async def authenticate_token(token: str, *, client_ip: str | None, runtime: Runtime) -> Principal:
    if api_keys.looks_like_api_key(token):
        return await api_keys.authenticate(token, client_ip=client_ip, runtime=runtime)
    if user_auth.looks_like_access_token(token):
        return await user_auth.authenticate(token, runtime=runtime, client_ip=client_ip)
    raise Unauthorized("Unrecognised bearer token")


def bearer_token(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token.strip()


class BearerAuthBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        scope = conn.scope  # read as `conn.headers`, `conn.client` and `conn.app` would, without building them
        authorization = header(scope, b"authorization")
        if not authorization:
            return None
        client = scope.get("client")
        try:
            principal = await authenticate_token(
                bearer_token(authorization), client_ip=client[0] if client else None, runtime=scope["app"].state.runtime
            )
        except DomainError as error:
            raise AuthFailed(error) from None
        return _auth_result(principal)


AUTH_RESULTS_KEPT = 1024
_auth_results: dict[int, tuple[Principal, tuple[AuthCredentials, BaseUser]]] = {}


def _auth_result(principal: Principal) -> tuple[AuthCredentials, BaseUser]:
    """What Starlette keeps in the scope for a principal, built once per principal object (an API
    key's principal is the same object while its row is unchanged: `api_keys.service`)."""
    found = _auth_results.get(id(principal))
    if found is not None and found[0] is principal:
        return found[1]
    result = (AuthCredentials(sorted(principal.scopes)), PrincipalUser(principal))
    if len(_auth_results) >= AUTH_RESULTS_KEPT:
        _auth_results.clear()
    _auth_results[id(principal)] = (principal, result)  # keeps the principal, so its id stays its own
    return result


def on_auth_error(conn: HTTPConnection, exc: Exception) -> Response:
    from rest_compat.extension_routes import is_extension_path, plain_error  # extension routes answer in their contracts' shape

    error = exc.error if isinstance(exc, AuthFailed) else Unauthorized(str(exc))
    if is_extension_path(conn.url.path):
        return plain_error(conn, error)
    return render_error(conn, error)
