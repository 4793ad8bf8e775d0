"""The REST-compat table: every documented /v1 route, mapped onto one GraphQL root field.

Reading a row: METHOD path -> GraphQL field(args from path/query/header/body) -> `data`.
Documents, variable types, validation and OpenAPI are all derived from this table and the schema.
"""

from __future__ import annotations

from rest_compat.mapping import Body, HeaderOrQuery, PathParam, QueryParam, RestRoute

ROUTES: tuple[RestRoute, ...] = (
    # Public
    RestRoute("GET", "/health", "health", "Public", "Health check", auth="public"),
    RestRoute("GET", "/ready", "readiness", "Public", "Readiness probe", auth="public"),
    RestRoute(
        "GET", "/v1/tenant-config", "tenant_config", "Public", "Get tenant config (public)",
        args={"tenant_id": HeaderOrQuery("X-Tenant-Id", "tenant_id")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/tenants/lookup", "lookup_tenants", "Public", "Lookup tenants by email",
        args={"email": Body("email")}, auth="public",
    ),
    # Tenants
    RestRoute("GET", "/v1/usage", "usage", "Tenants", "Get tenant usage"),
    # API Keys
    RestRoute(
        "GET", "/v1/keys", "api_keys", "API Keys", "List API keys",
        args={"limit": QueryParam("limit"), "offset": QueryParam("offset"), "include_revoked": QueryParam("include_revoked")},
    ),
    RestRoute("POST", "/v1/keys", "create_api_key", "API Keys", "Create API key", args={"input": Body()}, status=201),
    RestRoute(
        "PATCH", "/v1/keys/:key_id", "update_api_key", "API Keys", "Update API key",
        args={"id": PathParam("key_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/keys/:key_id", "revoke_api_key", "API Keys", "Revoke API key",
        args={"id": PathParam("key_id"), "force": QueryParam("force"), "confirm_token": QueryParam("confirm_token")},
    ),
    RestRoute(
        "POST", "/v1/keys/:key_id/rotate", "rotate_api_key", "API Keys", "Rotate API key",
        args={"id": PathParam("key_id"), "input": Body()},
    ),
)
