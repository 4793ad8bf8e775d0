"""The REST-compat table: every documented /v1 route, mapped onto one GraphQL root field.

Reading a row: METHOD path -> GraphQL field(args from path/query/header/body) -> `data`.
Documents, variable types, validation and OpenAPI are all derived from this table and the schema.
"""

from __future__ import annotations

from rest_compat.downloads import export_download, plain_json
from rest_compat.mapping import Body, Header, HeaderOrQuery, PathParam, QueryParam, RawBody, RestRoute

SECURE_DELETE = {"force": QueryParam("force"), "confirm_token": QueryParam("confirm_token")}
PAGE = ("results", "next_cursor", "total")
IMPORT_PATH = "/v1/data/import"
ASSOCIATION_PATH = "/v1/objects/:from_type/:from_id/associations/:association_type/:to_type/:to_id"
ASSOCIATION_ENDS = {
    name: PathParam(name) for name in ("from_type", "from_id", "association_type", "to_type", "to_id")
}

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
    # Object Types
    RestRoute("GET", "/v1/object-types", "object_types", "Object Types", "List object types"),
    RestRoute("POST", "/v1/object-types", "create_object_type", "Object Types", "Create object type", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/object-types/:object_type_id", "object_type", "Object Types", "Get object type", args={"id": PathParam("object_type_id")}),
    RestRoute(
        "PATCH", "/v1/object-types/:object_type_id", "update_object_type", "Object Types", "Update object type",
        args={"id": PathParam("object_type_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/object-types/:object_type_id", "delete_object_type", "Object Types", "Delete object type",
        args={"id": PathParam("object_type_id"), **SECURE_DELETE}, select=("deleted",),
    ),
    # Properties
    RestRoute(
        "GET", "/v1/object-types/:object_type_id/properties", "properties", "Properties", "List properties",
        args={"object_type_id": PathParam("object_type_id")},
    ),
    RestRoute(
        "POST", "/v1/object-types/:object_type_id/properties", "create_property", "Properties", "Create property",
        args={"object_type_id": PathParam("object_type_id"), "input": Body()}, status=201,
    ),
    RestRoute(
        "PATCH", "/v1/object-types/:object_type_id/properties/:property_id", "update_property", "Properties", "Update property",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("property_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/object-types/:object_type_id/properties/:property_id", "delete_property", "Properties", "Delete property",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("property_id")}, select=("deleted",),
    ),
    # Objects
    RestRoute(
        "POST", "/v1/objects/:object_type_id/batch/create", "batch_create_objects", "Objects", "Batch create objects",
        args={"object_type_id": PathParam("object_type_id"), "objects": Body("objects")}, status=201,
    ),
    RestRoute(
        "POST", "/v1/objects/:object_type_id", "create_object", "Objects", "Create object",
        args={"object_type_id": PathParam("object_type_id"), "properties": Body("properties")}, status=201,
    ),
    RestRoute(
        "GET", "/v1/objects/:object_type_id/:object_id", "object", "Objects", "Get object",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("object_id")},
    ),
    RestRoute(
        "PATCH", "/v1/objects/:object_type_id/:object_id", "update_object", "Objects", "Update object",
        args={
            "object_type_id": PathParam("object_type_id"),
            "id": PathParam("object_id"),
            "properties": Body("properties"),
            "expected_version": Body("expected_version"),
        },
    ),
    RestRoute(
        "DELETE", "/v1/objects/:object_type_id/:object_id", "delete_object", "Objects", "Delete object",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("object_id"), **SECURE_DELETE},
    ),
    RestRoute(
        "GET", "/v1/objects/:object_type_id/list", "objects", "Objects", "List objects",
        args={
            "object_type_id": PathParam("object_type_id"),
            "first": QueryParam("limit"),
            "after": QueryParam("cursor"),
            "order_by": QueryParam("sort"),
            "order": QueryParam("order"),
            "where": QueryParam("filter"),
            "view_id": QueryParam("view_id"),
        },
        select=PAGE,
    ),
    RestRoute(
        "POST", "/v1/objects/:object_type_id/batch/read", "objects_by_ids", "Objects", "Batch read objects",
        args={"object_type_id": PathParam("object_type_id"), "object_ids": Body("object_ids")},
    ),
    RestRoute(
        "POST", "/v1/objects/:object_type_id/batch/update", "batch_update_objects", "Objects", "Batch update objects",
        args={"object_type_id": PathParam("object_type_id"), "updates": Body("updates")},
    ),
    RestRoute(
        "GET", "/v1/objects/:object_type_id/trash", "trashed_objects", "Objects", "List trashed objects",
        args={"object_type_id": PathParam("object_type_id"), "first": QueryParam("limit"), "after": QueryParam("cursor")},
        select=PAGE,
    ),
    RestRoute(
        "POST", "/v1/objects/:object_type_id/:object_id/restore", "restore_object", "Objects", "Restore deleted object",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("object_id")},
    ),
    # Views
    RestRoute(
        "GET", "/v1/object-types/:object_type_id/views", "views", "Views", "List saved views",
        args={"object_type_id": PathParam("object_type_id")},
    ),
    RestRoute(
        "POST", "/v1/object-types/:object_type_id/views", "create_view", "Views", "Create saved view",
        args={"object_type_id": PathParam("object_type_id"), "input": Body()}, status=201,
    ),
    RestRoute(
        "PATCH", "/v1/object-types/:object_type_id/views/:view_id", "update_view", "Views", "Update saved view",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("view_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/object-types/:object_type_id/views/:view_id", "delete_view", "Views", "Delete saved view",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("view_id")}, select=("deleted",),
    ),
    # Associations
    RestRoute(
        "PUT", ASSOCIATION_PATH, "put_association", "Associations", "Create or update association",
        args={**ASSOCIATION_ENDS, "meta": Body("meta")},
    ),
    RestRoute("DELETE", ASSOCIATION_PATH, "delete_association", "Associations", "Delete association", args=ASSOCIATION_ENDS, select=("deleted",)),
    RestRoute(
        "GET", "/v1/objects/:type/:id/associations", "associations", "Associations", "List associations",
        args={
            "type": PathParam("type"),
            "id": PathParam("id"),
            "direction": QueryParam("direction"),
            "association_type": QueryParam("association_type"),
            "first": QueryParam("limit"),
            "after": QueryParam("cursor"),
        },
    ),
    # Versions
    RestRoute(
        "GET", "/v1/objects/:object_type_id/:object_id/versions", "object_versions", "Versions", "List object version history",
        args={"object_type_id": PathParam("object_type_id"), "object_id": PathParam("object_id"), "limit": QueryParam("limit")},
    ),
    # Import / Export
    RestRoute(
        "GET", "/v1/data/export/:export_id", "data_export", "Import / Export", "Download export",
        args={"id": PathParam("export_id")}, respond=export_download,
    ),
    RestRoute("POST", IMPORT_PATH, "import_data", "Import / Export", "Import data", args={"input": Body()}, form=True),
    RestRoute("POST", "/v1/data/export", "start_data_export", "Import / Export", "Start data export", args={"input": Body()}),
    # Authentication (end users; signup, login and refresh take the app's API key as the bearer)
    RestRoute(
        "POST", "/v1/auth/signup", "sign_up", "Authentication", "Sign up",
        args={name: Body(name) for name in ("email", "password", "phone", "user_metadata", "turnstile_token")}, status=201,
    ),
    RestRoute(
        "POST", "/v1/auth/login", "log_in", "Authentication", "Log in",
        args={name: Body(name) for name in ("email", "password", "turnstile_token")},
    ),
    RestRoute("POST", "/v1/auth/refresh", "refresh_session", "Authentication", "Refresh tokens", args={"refresh_token": Body("refresh_token")}),
    RestRoute("POST", "/v1/auth/logout", "log_out", "Authentication", "Log out", args={"refresh_token": Body("refresh_token")}),
    RestRoute("POST", "/v1/auth/anonymous", "sign_in_anonymously", "Authentication", "Create anonymous session"),
    RestRoute("GET", "/v1/auth/me/export", "export_my_data", "Authentication", "Export user data"),
    RestRoute("GET", "/v1/auth/user", "current_user", "Authentication", "Get current user"),
    RestRoute("PATCH", "/v1/auth/user", "update_current_user", "Authentication", "Update current user", args={"input": Body()}),
    # Mailed links (the mail carries a single-use token; the app hands it back here)
    RestRoute(
        "POST", "/v1/auth/forgot-password", "request_password_reset", "Authentication", "Request password reset",
        args={name: Body(name) for name in ("email", "redirect_to", "turnstile_token")},
    ),
    RestRoute(
        "POST", "/v1/auth/reset-password", "reset_password", "Authentication", "Reset password",
        args={"token": Body("token"), "password": Body("password")},
    ),
    RestRoute(
        "POST", "/v1/auth/magic-link", "send_magic_link", "Authentication", "Send magic link",
        args={"email": Body("email"), "redirect_to": Body("redirect_to")},
    ),
    RestRoute("POST", "/v1/auth/magic-link/verify", "verify_magic_link", "Authentication", "Verify magic link", args={"token": Body("token")}),
    RestRoute(
        "GET", "/v1/auth/verify", "verify_email", "Authentication", "Verify email (GET)",
        args={"token": QueryParam("token"), "type": QueryParam("type")},
    ),
    RestRoute("POST", "/v1/auth/verify", "verify_email", "Authentication", "Verify email", args={"token": Body("token"), "type": Body("type")}),
    # Portal Auth (public: the tenant is named in the body)
    RestRoute("POST", "/v1/auth/portal-identify", "portal_identify", "Portal Auth", "Identify tenant by email", args={"email": Body("email")}, auth="public"),
    RestRoute(
        "POST", "/v1/auth/portal-signup", "portal_sign_up", "Portal Auth", "Portal signup",
        args={name: Body(name) for name in ("tenant_id", "email", "password", "phone", "user_metadata", "turnstile_token")},
        status=201, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-login", "portal_log_in", "Portal Auth", "Portal login",
        args={name: Body(name) for name in ("tenant_id", "email", "password", "turnstile_token")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-otp-send", "portal_send_otp", "Portal Auth", "Portal send OTP",
        args={"tenant_id": Body("tenant_id"), "phone": Body("phone")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-otp-verify", "portal_verify_otp", "Portal Auth", "Portal verify OTP",
        args={"tenant_id": Body("tenant_id"), "phone": Body("phone"), "code": Body("code")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-forgot-password", "portal_forgot_password", "Portal Auth", "Portal password reset request",
        args={name: Body(name) for name in ("tenant_id", "email", "redirect_to", "turnstile_token")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-reset-password", "portal_reset_password", "Portal Auth", "Portal password reset",
        args={"token": Body("token"), "password": Body("password")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-magic-link", "portal_magic_link", "Portal Auth", "Portal send magic link",
        args={name: Body(name) for name in ("tenant_id", "email", "redirect_to")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-magic-link-verify", "portal_verify_magic_link", "Portal Auth", "Portal verify magic link",
        args={"token": Body("token")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/portal-verify-email", "portal_verify_email", "Portal Auth", "Portal verify email",
        args={"token": Body("token")}, auth="public",
    ),
    # SMS one-time codes
    RestRoute("POST", "/v1/auth/otp/send", "send_otp", "Authentication", "Send SMS OTP", args={"phone": Body("phone")}),
    RestRoute(
        "POST", "/v1/auth/otp/verify", "verify_otp", "Authentication", "Verify OTP",
        args={"phone": Body("phone"), "code": Body("code")},
    ),
    # MFA
    RestRoute("POST", "/v1/auth/mfa/enroll", "enroll_mfa", "MFA", "Enroll TOTP factor", args={"friendly_name": Body("friendly_name")}, status=201),
    RestRoute(
        "POST", "/v1/auth/mfa/verify", "verify_mfa", "MFA", "Verify TOTP code",
        args={"factor_id": Body("factor_id"), "code": Body("code")},
    ),
    RestRoute(
        "POST", "/v1/auth/mfa/challenge", "challenge_mfa", "MFA", "Challenge MFA",
        args={"factor_id": Body("factor_id"), "code": Body("code"), "user_id": Body("user_id")},
    ),
    RestRoute(
        "POST", "/v1/auth/mfa/complete", "complete_mfa", "MFA", "Complete MFA login",
        args={"mfa_ticket": Body("mfa_ticket"), "factor_id": Body("factor_id"), "code": Body("code")}, auth="public",
    ),
    RestRoute(
        "POST", "/v1/auth/mfa/recover", "recover_mfa", "MFA", "MFA recovery",
        args={"mfa_ticket": Body("mfa_ticket"), "recovery_code": Body("recovery_code")}, auth="public",
    ),
    RestRoute("GET", "/v1/auth/mfa/factors", "mfa_factors", "MFA", "List MFA factors"),
    RestRoute("DELETE", "/v1/auth/mfa/:factor_id", "unenroll_mfa", "MFA", "Unenroll MFA factor", args={"factor_id": PathParam("factor_id")}),
    RestRoute("GET", "/v1/users/:user_id/mfa", "user_mfa_factors", "Users", "List user MFA factors", args={"user_id": PathParam("user_id")}),
    # Sessions
    RestRoute("GET", "/v1/auth/sessions", "auth_sessions", "Sessions", "List active sessions"),
    RestRoute("DELETE", "/v1/auth/sessions", "revoke_all_auth_sessions", "Sessions", "Revoke all sessions"),
    RestRoute(
        "DELETE", "/v1/auth/sessions/:session_id", "revoke_auth_session", "Sessions", "Revoke session",
        args={"id": PathParam("session_id")},
    ),
    # Users (administration, scope `auth`)
    RestRoute(
        "GET", "/v1/users", "users", "Users", "List users",
        args={"limit": QueryParam("limit"), "offset": QueryParam("offset"), "search": QueryParam("search"), "role": QueryParam("role")},
    ),
    RestRoute("POST", "/v1/users", "create_user", "Users", "Create user", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/users/:user_id", "user", "Users", "Get user", args={"id": PathParam("user_id")}),
    RestRoute("PATCH", "/v1/users/:user_id", "update_user", "Users", "Update user", args={"id": PathParam("user_id"), "input": Body()}),
    RestRoute(
        "DELETE", "/v1/users/:user_id", "delete_user", "Users", "Delete user",
        args={"id": PathParam("user_id"), **SECURE_DELETE},
    ),
    # Webhooks (endpoints: scope `schema`; reads: `read`; sending by hand, retries: `write`)
    RestRoute("GET", "/v1/webhooks", "webhooks", "Webhooks", "List webhooks"),
    RestRoute("POST", "/v1/webhooks", "create_webhook", "Webhooks", "Create webhook", args={"input": Body()}, status=201),
    RestRoute("PATCH", "/v1/webhooks/:webhook_id", "update_webhook", "Webhooks", "Update webhook", args={"id": PathParam("webhook_id"), "input": Body()}),
    RestRoute(
        "DELETE", "/v1/webhooks/:webhook_id", "delete_webhook", "Webhooks", "Delete webhook",
        args={"id": PathParam("webhook_id"), **SECURE_DELETE},
    ),
    RestRoute(
        "POST", "/v1/webhooks/:webhook_id/replay", "replay_webhook", "Webhooks", "Replay webhook",
        args={"id": PathParam("webhook_id"), "event": Body("event"), "payload": Body("payload")},
    ),
    RestRoute("POST", "/v1/webhooks/:webhook_id/rotate-secret", "rotate_webhook_secret", "Webhooks", "Rotate webhook secret", args={"id": PathParam("webhook_id")}),
    RestRoute("POST", "/v1/webhooks/:webhook_id/test", "test_webhook", "Webhooks", "Test webhook", args={"id": PathParam("webhook_id")}),
    RestRoute(
        "GET", "/v1/webhook-deliveries", "webhook_deliveries", "Webhook Deliveries", "List webhook deliveries",
        args={"limit": QueryParam("limit"), "offset": QueryParam("offset"), "webhook_id": QueryParam("webhook_id")},
    ),
    RestRoute(
        "POST", "/v1/webhook-deliveries/:delivery_id/retry", "retry_webhook_delivery", "Webhook Deliveries", "Retry webhook delivery",
        args={"id": PathParam("delivery_id")},
    ),
    RestRoute("GET", "/v1/dlq", "dlq_messages", "DLQ", "List DLQ messages", args={"limit": QueryParam("limit"), "offset": QueryParam("offset")}),
    RestRoute("POST", "/v1/dlq/:msg_id/retry", "retry_dlq_message", "DLQ", "Retry DLQ message", args={"id": PathParam("msg_id")}),
    RestRoute("DELETE", "/v1/dlq/:msg_id", "discard_dlq_message", "DLQ", "Discard DLQ message", args={"id": PathParam("msg_id")}),
    # Automations (manage: scope `schema`; read: `read`; trigger: `write`)
    RestRoute("GET", "/v1/automations", "automations", "Automations", "List automations"),
    RestRoute("POST", "/v1/automations", "create_automation", "Automations", "Create automation", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/automations/:automation_id", "automation", "Automations", "Get automation", args={"id": PathParam("automation_id")}),
    RestRoute(
        "PATCH", "/v1/automations/:automation_id", "update_automation", "Automations", "Update automation",
        args={"id": PathParam("automation_id"), "input": Body()},
    ),
    RestRoute("DELETE", "/v1/automations/:automation_id", "delete_automation", "Automations", "Delete automation", args={"id": PathParam("automation_id")}),
    RestRoute(
        "GET", "/v1/automations/:automation_id/runs", "automation_runs", "Automations", "List automation runs",
        args={"id": PathParam("automation_id"), "limit": QueryParam("limit"), "offset": QueryParam("offset")},
    ),
    RestRoute(
        "POST", "/v1/automations/:automation_id/trigger", "trigger_automation", "Automations", "Trigger automation",
        args={"id": PathParam("automation_id"), "data": Body("data")},
    ),
    # Plugins: custom functions (manage: scope `schema`; read: `read`; execute: `write`)
    RestRoute("GET", "/v1/functions", "custom_functions", "Plugins", "List custom functions"),
    RestRoute("POST", "/v1/functions", "create_custom_function", "Plugins", "Create custom function", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/functions/:function_id", "custom_function", "Plugins", "Get function", args={"id": PathParam("function_id")}),
    RestRoute(
        "PATCH", "/v1/functions/:function_id", "update_custom_function", "Plugins", "Update function",
        args={"id": PathParam("function_id"), "input": Body()},
    ),
    RestRoute("DELETE", "/v1/functions/:function_id", "delete_custom_function", "Plugins", "Delete function", args={"id": PathParam("function_id")}),
    RestRoute(
        "POST", "/v1/functions/:function_id/execute", "execute_custom_function", "Plugins", "Execute function",
        args={"id": PathParam("function_id"), "input": Body("input")},
    ),
    RestRoute(
        "GET", "/v1/functions/:function_id/logs", "function_logs", "Plugins", "List function logs",
        args={"id": PathParam("function_id"), "limit": QueryParam("limit"), "offset": QueryParam("offset")},
    ),
    # Plugins: installed extensions (manage: scope `schema`; read: `read`)
    RestRoute("GET", "/v1/plugins", "plugins", "Plugins", "List plugins"),
    RestRoute("POST", "/v1/plugins", "install_plugin", "Plugins", "Install plugin", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/plugins/:plugin_id", "plugin", "Plugins", "Get plugin", args={"id": PathParam("plugin_id")}),
    RestRoute("PATCH", "/v1/plugins/:plugin_id", "update_plugin", "Plugins", "Update plugin", args={"id": PathParam("plugin_id"), "input": Body()}),
    RestRoute("DELETE", "/v1/plugins/:plugin_id", "uninstall_plugin", "Plugins", "Uninstall plugin", args={"id": PathParam("plugin_id")}),
    # Extensions: runtime hooks (manage and test: scope `schema`; read: `read`)
    RestRoute(
        "GET", "/v1/extensions", "runtime_hooks", "Extensions", "List runtime extensions",
        args={"status": QueryParam("status"), "event": QueryParam("event"), "type": QueryParam("type"), "limit": QueryParam("limit"), "offset": QueryParam("offset")},
    ),
    RestRoute("POST", "/v1/extensions", "create_runtime_hook", "Extensions", "Create runtime extension", args={"input": Body()}, status=201),
    RestRoute("POST", "/v1/extensions/test", "test_hook_code", "Extensions", "Test extension code before saving it", args={"input": Body()}),
    RestRoute("GET", "/v1/extensions/:extension_id", "runtime_hook", "Extensions", "Get runtime extension", args={"id": PathParam("extension_id")}),
    RestRoute(
        "PATCH", "/v1/extensions/:extension_id", "update_runtime_hook", "Extensions", "Update runtime extension",
        args={"id": PathParam("extension_id"), "input": Body()},
    ),
    RestRoute("DELETE", "/v1/extensions/:extension_id", "delete_runtime_hook", "Extensions", "Delete runtime extension", args={"id": PathParam("extension_id")}),
    RestRoute(
        "POST", "/v1/extensions/:extension_id/test", "test_runtime_hook", "Extensions", "Test runtime extension",
        args={"id": PathParam("extension_id"), "test_payload": Body("test_payload")},
    ),
    RestRoute("POST", "/v1/extensions/:extension_id/activate", "activate_runtime_hook", "Extensions", "Activate runtime extension", args={"id": PathParam("extension_id")}),
    RestRoute("POST", "/v1/extensions/:extension_id/deactivate", "deactivate_runtime_hook", "Extensions", "Deactivate runtime extension", args={"id": PathParam("extension_id")}),
    # Custom Endpoints (manage: scope `schema`; read: `read`); they answer at /v1/x/<path> (rest_compat/custom_endpoints.py)
    RestRoute("GET", "/v1/custom-endpoints", "custom_endpoints", "Custom Endpoints", "List custom endpoints"),
    RestRoute("POST", "/v1/custom-endpoints", "create_custom_endpoint", "Custom Endpoints", "Create custom endpoint", args={"input": Body()}, status=201),
    RestRoute(
        "GET", "/v1/custom-endpoints/openapi.json", "custom_endpoints_openapi", "Custom Endpoints",
        "OpenAPI document of the tenant's custom endpoints", respond=plain_json,
    ),
    RestRoute("GET", "/v1/custom-endpoints/:endpoint_id", "custom_endpoint", "Custom Endpoints", "Get custom endpoint", args={"id": PathParam("endpoint_id")}),
    RestRoute(
        "PATCH", "/v1/custom-endpoints/:endpoint_id", "update_custom_endpoint", "Custom Endpoints", "Update custom endpoint",
        args={"id": PathParam("endpoint_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/custom-endpoints/:endpoint_id", "delete_custom_endpoint", "Custom Endpoints", "Delete custom endpoint",
        args={"id": PathParam("endpoint_id")},
    ),
    RestRoute(
        "GET", "/v1/custom-endpoints/:endpoint_id/executions", "custom_endpoint_executions", "Custom Endpoints", "List custom endpoint executions",
        args={"id": PathParam("endpoint_id"), "limit": QueryParam("limit"), "cursor": QueryParam("cursor")},
    ),
    # Scheduled Jobs (manage: scope `schema`; read: `read`; execute: `write`)
    RestRoute(
        "GET", "/v1/scheduled-jobs", "scheduled_jobs", "Scheduled Jobs", "List scheduled jobs",
        args={"limit": QueryParam("limit"), "offset": QueryParam("offset")},
    ),
    RestRoute("POST", "/v1/scheduled-jobs", "create_scheduled_job", "Scheduled Jobs", "Create scheduled job", args={"input": Body()}, status=201),
    RestRoute("GET", "/v1/scheduled-jobs/:job_id", "scheduled_job", "Scheduled Jobs", "Get scheduled job", args={"id": PathParam("job_id")}),
    RestRoute(
        "PATCH", "/v1/scheduled-jobs/:job_id", "update_scheduled_job", "Scheduled Jobs", "Update scheduled job",
        args={"id": PathParam("job_id"), "input": Body()},
    ),
    RestRoute("DELETE", "/v1/scheduled-jobs/:job_id", "delete_scheduled_job", "Scheduled Jobs", "Delete scheduled job", args={"id": PathParam("job_id")}),
    RestRoute(
        "POST", "/v1/scheduled-jobs/:job_id/execute", "execute_scheduled_job", "Scheduled Jobs", "Execute scheduled job",
        args={"id": PathParam("job_id")},
    ),
    # Billing (public: Stripe signs the body)
    RestRoute(
        "POST", "/webhooks/stripe", "handle_stripe_event", "Billing", "Stripe webhook",
        args={"payload": RawBody(), "stripe_signature": Header("Stripe-Signature")}, auth="public",
    ),
    # Email (scope `write`)
    RestRoute("POST", "/v1/email/send", "send_email", "Email", "Send email", args={"input": Body()}),
    # Comments (read with the object; written by users)
    RestRoute(
        "GET", "/v1/objects/:object_type_id/:object_id/comments", "comments", "Comments", "List comments",
        args={"object_type_id": PathParam("object_type_id"), "object_id": PathParam("object_id"), "limit": QueryParam("limit"), "cursor": QueryParam("cursor")},
    ),
    RestRoute(
        "POST", "/v1/objects/:object_type_id/:object_id/comments", "create_comment", "Comments", "Create comment",
        args={"object_type_id": PathParam("object_type_id"), "object_id": PathParam("object_id"), "body": Body("body")}, status=201,
    ),
    RestRoute(
        "PATCH", "/v1/objects/:object_type_id/:object_id/comments/:comment_id", "update_comment", "Comments", "Update comment",
        args={"object_type_id": PathParam("object_type_id"), "object_id": PathParam("object_id"), "id": PathParam("comment_id"), "body": Body("body")},
    ),
    RestRoute(
        "DELETE", "/v1/objects/:object_type_id/:object_id/comments/:comment_id", "delete_comment", "Comments", "Delete comment",
        args={"object_type_id": PathParam("object_type_id"), "object_id": PathParam("object_id"), "id": PathParam("comment_id")},
    ),
    # Audit (scope `auth`)
    RestRoute(
        "GET", "/v1/audit-logs", "audit_logs", "Audit", "List audit logs",
        args={name: QueryParam(name) for name in ("action", "resource_type", "limit", "offset")},
    ),
    # Policies (row-level; manage: scope `schema`)
    RestRoute(
        "GET", "/v1/object-types/:object_type_id/policies", "access_policies", "Policies", "List access policies",
        args={"object_type_id": PathParam("object_type_id")},
    ),
    RestRoute(
        "POST", "/v1/object-types/:object_type_id/policies", "create_access_policy", "Policies", "Create access policy",
        args={"object_type_id": PathParam("object_type_id"), "input": Body()}, status=201,
    ),
    RestRoute(
        "PATCH", "/v1/object-types/:object_type_id/policies/:policy_id", "update_access_policy", "Policies", "Update access policy",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("policy_id"), "input": Body()},
    ),
    RestRoute(
        "DELETE", "/v1/object-types/:object_type_id/policies/:policy_id", "delete_access_policy", "Policies", "Delete access policy",
        args={"object_type_id": PathParam("object_type_id"), "id": PathParam("policy_id")},
    ),
    RestRoute(
        "POST", "/v1/policies/simulate", "simulate_policy", "Governance", "Simulate RLS policy",
        args={"policy": Body("policy"), "auth_context": Body("auth_context"), "sample_data": Body("sample_data")},
    ),
    # Governance (scope `auth`)
    RestRoute("GET", "/v1/governance", "governance", "Governance", "Get governance settings"),
    RestRoute("PATCH", "/v1/governance", "update_governance", "Governance", "Update governance settings", args={"input": Body()}),
    # Roles (scope `auth`)
    RestRoute("GET", "/v1/roles", "roles", "Roles", "List roles"),
    RestRoute("POST", "/v1/roles", "create_role", "Roles", "Create role", args={"input": Body()}, status=201),
    RestRoute("POST", "/v1/roles/assign", "assign_role", "Roles", "Assign role to user", args={"user_id": Body("user_id"), "role_id": Body("role_id")}),
    RestRoute("GET", "/v1/roles/:role_id", "role", "Roles", "Get role", args={"id": PathParam("role_id")}),
    RestRoute("PATCH", "/v1/roles/:role_id", "update_role", "Roles", "Update role", args={"id": PathParam("role_id"), "input": Body()}),
    RestRoute("DELETE", "/v1/roles/:role_id", "delete_role", "Roles", "Delete role", args={"id": PathParam("role_id"), **SECURE_DELETE}),
    RestRoute(
        "PUT", "/v1/roles/:role_id/permissions", "set_role_permissions", "Roles", "Assign permissions to role",
        args={"id": PathParam("role_id"), "permissions": Body("permissions")},
    ),
    RestRoute(
        "DELETE", "/v1/roles/:role_id/users/:user_id", "remove_role", "Roles", "Remove role from user",
        args={"role_id": PathParam("role_id"), "user_id": PathParam("user_id")},
    ),
    RestRoute("GET", "/v1/users/:user_id/roles", "user_roles", "Roles", "List user roles", args={"user_id": PathParam("user_id")}),
    # Auth Config (scope `auth`)
    RestRoute("GET", "/v1/auth-config", "auth_config", "Auth Config", "Get auth config"),
    RestRoute("POST", "/v1/auth-config", "update_auth_config", "Auth Config", "Update auth config", args={"input": Body()}),
    # Realtime (the WebSocket itself, GET /v1/realtime, is in rest_compat.realtime_socket)
    RestRoute("GET", "/v1/realtime/stats", "realtime_stats", "Realtime", "Get realtime stats"),
    # Events (the SSE stream, GET /events/stream, is in rest_compat.streams)
    RestRoute("GET", "/events/types", "event_types", "Events", "List available event types"),
    RestRoute(
        "POST", "/v1/events", "track_event", "Events", "Track custom event",
        args={"event_type": Body("event_type"), "data": Body("data")},
    ),
    RestRoute(
        "GET", "/v1/events/list", "custom_events", "Events", "List custom events",
        args={"limit": QueryParam("limit"), "offset": QueryParam("offset")},
    ),
)
