"""`basalt` command line: serve, migrate, tenant create, key create. Same settings as the server."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from tortoise.transactions import in_transaction

from graphql_api.db import close_orm, init_orm, migrate
from graphql_api.settings import ConfigError, Settings, load_settings
from resolvers.errors import DomainError


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        sys.exit(2)
    try:
        settings = load_settings()
        args.handler(settings, args)
    except ConfigError as exc:
        sys.exit(f"basalt: configuration error: {exc}")
    except DomainError as exc:
        fields = "; ".join(f"{e.field}: {e.message}" for e in getattr(exc, "errors", []))
        sys.exit(f"basalt: {fields or exc.message}")
    except OSError as exc:
        sys.exit(f"basalt: {exc}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="basalt", description="Basalt backend server and admin commands")
    commands = parser.add_subparsers()

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="bind address (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)
    commands.add_parser(
        "worker", help="run the background work without HTTP: event relay, webhook deliveries, mail, exports"
    ).set_defaults(handler=_worker)

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers()
    create_tenant = tenant.add_parser("create", help="create a tenant and its first API key (scope *)")
    create_tenant.add_argument("--name", required=True)
    create_tenant.add_argument("--email", help="owner email (used by POST /v1/tenants/lookup)")
    create_tenant.add_argument("--plan", default="free", help="plan tier: free, pro, enterprise")
    create_tenant.add_argument("--json", action="store_true", help="print JSON")
    create_tenant.set_defaults(handler=_tenant_create)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers()
    verify = audit.add_parser("verify", help="check a tenant's audit chain; names the first altered or missing entry")
    verify.add_argument("--tenant", required=True)
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(handler=_audit_verify)

    key = commands.add_parser("key", help="manage API keys").add_subparsers()
    create_key = key.add_parser("create", help="create an API key for a tenant")
    create_key.add_argument("--tenant", required=True)
    create_key.add_argument("--scopes", required=True, help="comma-separated: read,write,schema,files,auth,ai or *")
    create_key.add_argument("--label", default="cli")
    create_key.add_argument("--json", action="store_true", help="print JSON")
    create_key.set_defaults(handler=_key_create)
    return parser


def _with_orm(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` in one transaction: a tenant is never left without its first key."""

    async def run() -> Any:
        await init_orm(settings)
        try:
            async with in_transaction():
                return await work()
        finally:
            await close_orm()

    return asyncio.run(run())


def _emit(result: dict[str, Any], *, as_json: bool, text: str) -> None:
    print(json.dumps(result) if as_json else text)


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    """The same composition as the server (its lifespan starts the workers), without serving."""
    import signal

    from graphql_api.app import create_app

    async def run() -> None:
        app = create_app(replace(settings, run_workers=True))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with app.router.lifespan_context(app):
            logging.getLogger("basalt").warning("basalt worker: running (stop with SIGTERM or Ctrl-C)")
            await stop.wait()

    asyncio.run(run())


def _audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    """Exit 0 when the chain holds, 1 when an entry was altered or removed."""
    from resolvers.audit.service import verify

    result = _with_orm(settings, lambda: verify(args.tenant))
    report = {"tenant_id": result.tenant_id, "entries": result.entries, "intact": result.broken_at is None,
              "broken_at": result.broken_at, "reason": result.reason}
    text = (f"audit chain of {result.tenant_id}: {result.entries} entries, intact" if result.broken_at is None
            else f"audit chain of {result.tenant_id}: broken at entry {result.broken_at}: {result.reason}")
    _emit(report, as_json=args.json, text=text)
    if result.broken_at is not None:
        sys.exit(1)


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(migrate(settings))
    print(f"basalt: database is up to date ({settings.database_scheme})")


def _tenant_create(settings: Settings, args: argparse.Namespace) -> None:
    from resolvers.api_keys.service import create_root_key
    from resolvers.tenants.service import create_tenant

    async def work() -> dict[str, str]:
        tenant = await create_tenant(args.name, owner_email=args.email, plan_tier=args.plan)
        created = await create_root_key(tenant.id, label="admin", scopes=["*"])
        return {"tenant_id": tenant.id, "api_key": created.token}

    result = _with_orm(settings, work)
    _emit(result, as_json=args.json, text=f"tenant_id: {result['tenant_id']}\napi_key:   {result['api_key']}   (scope *, shown once)")


def _key_create(settings: Settings, args: argparse.Namespace) -> None:
    from resolvers.api_keys.service import create_root_key

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]

    async def work() -> dict[str, Any]:
        created = await create_root_key(args.tenant, label=args.label, scopes=scopes)
        return {"key_id": created.key.id, "tenant_id": args.tenant, "scopes": created.key.scopes, "api_key": created.token}

    result = _with_orm(settings, work)
    scopes_text = ",".join(result["scopes"])
    _emit(result, as_json=args.json, text=f"key_id:  {result['key_id']}\napi_key: {result['api_key']}   (scopes {scopes_text}, shown once)")


GRACEFUL_SHUTDOWN_SECONDS = 5


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    if not settings.is_production:
        _print_dev_credentials(settings)
    host, port = args.host or settings.host, args.port or settings.port
    os.environ.update(HOST=host, PORT=str(port))  # the app reads its settings (BASALT_PUBLIC_URL's default) anew
    uvicorn.run(
        "graphql_api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
        # Event streams never finish on their own: without a bound, a shutdown would wait for
        # every open SSE stream. After it, the lifespan ends them (SERVER_SHUTDOWN).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # Realtime frames are small JSON sent to many sockets: compressing each one for each
        # subscriber cost a third of a delivery's CPU, and every connection kept zlib state.
        ws_per_message_deflate=False,
    )


def _print_dev_credentials(settings: Settings) -> None:
    from graphql_api.bootstrap import CREDENTIALS_FILE, ensure_dev_credentials

    try:
        credentials, created = _with_orm(settings, lambda: ensure_dev_credentials(settings))
    except Exception as exc:  # the usual cause: migrations not applied yet
        logging.getLogger("basalt").debug("bootstrap failed", exc_info=exc)
        sys.exit(f"basalt: cannot read the database ({exc.__class__.__name__}: {exc}); run `basalt migrate` first")
    if credentials is None:
        return
    port = settings.port
    print(
        ("Created a development tenant." if created else "Development tenant:")
        + f"\n  tenant_id: {credentials['tenant_id']}\n  api_key:   {credentials['api_key']}  (scope *)"
        + f"\n  saved in {settings.var_dir / CREDENTIALS_FILE}"
        + f"\n  try: curl -H 'Authorization: Bearer {credentials['api_key']}' http://127.0.0.1:{port}/v1/keys\n",
        flush=True,
    )


if __name__ == "__main__":
    main()
