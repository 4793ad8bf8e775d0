"""The whole application, composed in one place: settings -> runtime -> schema -> routes -> middleware."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Route, WebSocketRoute

from graphql_api import __version__
from graphql_api.auth import BearerAuthBackend, on_auth_error
from graphql_api.db import close_orm, init_orm
from graphql_api.errors import (
    GRAPHQL_PATH,
    client_disconnected_handler,
    domain_error_handler,
    http_error_handler,
    unexpected_error_handler,
)
from graphql_api.graphql_view import BasaltGraphQL
from graphql_api.middleware import RequestMiddleware
from graphql_api.routing import IndexedRouter
from graphql_api.settings import Settings, load_settings
from resolvers.audit import service as audit
from resolvers.custom_endpoints import service as custom_endpoints
from resolvers.auth import emails as auth_emails
from resolvers.automations.worker import AutomationWorker
from resolvers.billing.schemas import StripeSettings
from resolvers.data_io.worker import ExportWorker
from resolvers.email import service as email
from resolvers.errors import DomainError
from resolvers.events.realtime import Realtime
from resolvers.functions import service as functions
from resolvers.hooks import emitter as hooks
from resolvers.hooks import repository as extension_runs
from resolvers.hooks.worker import ExtensionWorker
from resolvers.hooks.emitter import Emitter
from resolvers.jobs.worker import JobWorker
from resolvers.mail.schemas import Composers
from resolvers.mail.transport import ConsoleMail, MailTransport, SmtpMail
from resolvers.mail.worker import MailWorker
from resolvers.rate_limit.repository import CounterStore, MemoryCounterStore, RedisCounterStore
from resolvers.rate_limit.service import RateLimiter
from resolvers.plugins.loader import load_catalog
from resolvers.runtime import Runtime
from resolvers.sandbox.pool import SandboxPool
from resolvers.sms.service import ConsoleSms, HttpSms, SmsSender
from resolvers.storage.schemas import Storage
from resolvers.webhooks.schemas import WebhookSettings
from resolvers.webhooks.sending import Courier
from resolvers.webhooks.worker import WebhookWorker
from resolvers.storage.service import open_storage
from rest_compat.executor import rest_routes
from rest_compat.routes import IMPORT_PATH
from rest_compat.custom_endpoints import custom_endpoint_routes
from rest_compat.extension_routes import extension_routes
from rest_compat.realtime_socket import realtime_routes
from rest_compat.streams import stream_routes
from rest_compat.openapi import build_openapi
from rest_compat.pages import page_routes, render_docs
from schema.build import BasaltSchema, build_schema


def create_app(settings: Settings | None = None, *, manage_orm: bool = True) -> Starlette:
    """`manage_orm=False` lets tests own the ORM connection for the whole session."""
    settings = settings or load_settings()
    schema = _schema(settings)
    emitter = Emitter(
        pool=SandboxPool(settings.sandbox_workers),
        max_failures=settings.hook_max_failures,
        env=settings.extension_env,
        allowed_domains=settings.extension_allowed_domains,
    )
    catalog = load_catalog(settings.extensions_dir, emitter.registry)  # a broken extension stops the start, naming its file
    runtime = Runtime(
        secret_key=settings.secret_key,
        rate_limiter=RateLimiter(_counter_store(settings)),
        version=__version__,
        region=settings.region,
        lookup_rate_limit=settings.lookup_rate_limit,
        login_rate_limit=settings.login_rate_limit,
        custom_endpoints_max=settings.custom_endpoints_max,
        sms=_sms(settings),
        mail=_mail(settings),
        webhooks=Courier(WebhookSettings(
            allow_loopback=settings.webhook_allow_loopback,
            timeout_seconds=settings.webhook_timeout_seconds,
            retry_schedule=settings.webhook_retry_schedule,
        )),
        public_url=settings.public_url,
        stripe=StripeSettings(webhook_secret=settings.stripe_webhook_secret, price_plans=settings.stripe_price_plans),
        realtime=Realtime(
            settings.broadcast_url,
            retention_days=settings.event_retention_days,
            check_seconds=settings.realtime_check_ms / 1000,
            number_events=settings.run_workers,
        ),
        extensions=emitter,
        catalog=catalog,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_orm:
            await init_orm(settings)
        runtime.storage = await _open_storage(settings)
        hooks.use(runtime)  # background workers' writes fire hooks too (their tasks copy this context)
        workers = _start_workers(runtime) if settings.run_workers else []
        await runtime.realtime.start()
        _freeze_startup_objects()
        try:
            yield
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await runtime.realtime.close()
            await runtime.storage.close()
            await runtime.rate_limiter.close()
            await runtime.sms.close()
            await runtime.webhooks.close()
            await runtime.extensions.close()
            if manage_orm:
                await close_orm()

    routes = [*_routes(schema, settings), *extension_routes(catalog)]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                RequestMiddleware, runtime=runtime, max_body_bytes=settings.max_body_bytes,
                per_path={IMPORT_PATH: settings.max_import_bytes},
            ),
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(), on_error=on_auth_error),
        ],
        exception_handlers={
            DomainError: domain_error_handler,
            HTTPException: http_error_handler,
            ClientDisconnect: client_disconnected_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.router = IndexedRouter(routes, lifespan=lifespan)  # same routes and order, fewer regex tries
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.schema = schema
    app.state.openapi = build_openapi(schema._schema, version=__version__)
    app.state.docs_html = render_docs(app.state.openapi)
    return app


# Objects allocated, net of those freed, before the collector's youngest generation is examined
# (CPython's default is 700). See `_freeze_startup_objects`.
GC_YOUNG_THRESHOLD = 10_000


def _freeze_startup_objects() -> None:
    """Move everything built at startup (the schema, routes, modules) out of the garbage
    collector's reach. Full collections walked that whole heap during requests: under load they
    put p99 latency at 4 to 5 times p50 (80 ms against 16 ms on get-by-id); frozen, about 1.5x.

    And collect the young generation less often. Requests make almost no cyclic garbage, but
    with 32 of them in flight, CPython's default threshold (700 net allocations) ran a young
    collection every 15 to 20 lists: each walked the objects of every request in flight (about
    240 µs) and promoted them, so the older generations filled with soon-dead request objects and
    were walked too. Measured in the server under wrk, 2.4% of its CPU; with 10,000, no
    collection ran during the load (the net count of a steady load never gets there). Cyclic
    garbage waits longer for its collection: some ten thousand objects at most."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def _start_workers(runtime: Runtime) -> list[asyncio.Task[None]]:
    """Background workers of this process; each claims its jobs in the database, so any number
    of processes can run them."""
    exports = ExportWorker(runtime)
    housekeeping = [auth_emails.prune_links, audit.prune, custom_endpoints.prune_executions, functions.prune_logs, extension_runs.prune_runs]
    mails = MailWorker(runtime.mail, mail_composers(runtime), housekeeping=housekeeping)
    webhooks = WebhookWorker(runtime)
    jobs = JobWorker(runtime)
    automations = AutomationWorker(runtime)
    extensions = ExtensionWorker(runtime)
    runtime.wake_events.extend([exports.wake, mails.wake, webhooks.wake, jobs.wake, automations.wake, extensions.wake])
    runtime.realtime.hub.on_sequenced.extend([webhooks.wake.set, automations.wake.set, extensions.wake.set])  # new events, from any process
    return [
        asyncio.create_task(exports.run_forever(), name="export-worker"),
        asyncio.create_task(mails.run_forever(), name="mail-worker"),
        asyncio.create_task(webhooks.run_forever(), name="webhook-worker"),
        asyncio.create_task(jobs.run_forever(), name="job-worker"),
        asyncio.create_task(automations.run_forever(), name="automation-worker"),
        asyncio.create_task(extensions.run_forever(), name="extension-worker"),
    ]


def mail_composers(runtime: Runtime) -> Composers:
    """Who renders each kind of queued mail: the auth flows' mails and tenants' own."""
    return {**auth_emails.composers(runtime.public_url), email.KIND: email.compose}


def _schema(settings: Settings) -> BasaltSchema:
    limits = settings.graphql
    return build_schema(
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
        max_tokens=limits.max_tokens,
        introspection=limits.introspection,
    )


def _routes(schema: BasaltSchema, settings: Settings) -> list[BaseRoute]:
    view = BasaltGraphQL(schema, development=not settings.is_production)
    return [
        *page_routes(),
        Route(GRAPHQL_PATH, view, methods=["GET", "POST"]),
        WebSocketRoute(GRAPHQL_PATH, view),
        *stream_routes(schema, keep_alive_seconds=settings.sse_keep_alive_ms / 1000),
        *realtime_routes(schema),
        *rest_routes(schema),
        *custom_endpoint_routes(schema),
    ]


def _sms(settings: Settings) -> SmsSender:
    if settings.sms_url == "console":
        return ConsoleSms()
    return HttpSms(settings.sms_url, account=settings.sms_account, token=settings.sms_token, sender=settings.sms_from)


def _mail(settings: Settings) -> MailTransport:
    if settings.smtp_url == "console":
        return ConsoleMail(settings.mail_from)
    return SmtpMail(settings.smtp_url, sender=settings.mail_from)


def _counter_store(settings: Settings) -> CounterStore:
    return RedisCounterStore(settings.broadcast_url) if settings.uses_redis else MemoryCounterStore()


async def _open_storage(settings: Settings) -> Storage:
    s3 = settings.s3
    if s3 is None:
        return await open_storage(settings.storage_url)
    return await open_storage(
        settings.storage_url,
        s3_endpoint_url=s3.endpoint_url,
        s3_region=s3.region,
        s3_access_key_id=s3.access_key_id,
        s3_secret_access_key=s3.secret_access_key,
    )


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory graphql_api.app:app_from_env`."""
    return create_app()
