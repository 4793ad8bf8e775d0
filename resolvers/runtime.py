"""Process-wide services handed to resolvers: built once by the app, never imported globally."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from resolvers.auth.keys import KeyRing
from resolvers.billing.schemas import StripeSettings
from resolvers.events.realtime import Realtime
from resolvers.hooks.emitter import Emitter
from resolvers.mail.transport import ConsoleMail, MailTransport
from resolvers.plugins.schemas import Catalog
from resolvers.rate_limit.service import RateLimiter
from resolvers.sms.service import ConsoleSms, SmsSender
from resolvers.storage.schemas import Storage
from resolvers.webhooks.sending import Courier


@dataclass
class Runtime:
    secret_key: str
    rate_limiter: RateLimiter
    version: str
    region: str
    lookup_rate_limit: int = 20
    login_rate_limit: int = 30  # login and anonymous sign-in attempts per minute per IP and tenant
    custom_endpoints_max: int = 20  # per tenant
    sms: SmsSender = field(default_factory=ConsoleSms)
    mail: MailTransport = field(default_factory=lambda: ConsoleMail("Basalt <no-reply@localhost>"))
    webhooks: Courier = field(default_factory=Courier)  # settings and the guarded HTTP client
    stripe: StripeSettings = field(default_factory=StripeSettings)
    public_url: str = "http://127.0.0.1:8000"  # links in mails point here unless the tenant set a site_url
    storage: Storage | None = None  # opened by the app's lifespan
    realtime: Realtime = field(default_factory=Realtime)  # the event relay, hub and broadcast
    extensions: Emitter = field(default_factory=Emitter)  # the sandbox, file-based hooks, runtime hook cache
    catalog: Catalog = field(default_factory=Catalog)  # file-based extensions loaded at start
    started_at: float = field(default_factory=time.monotonic)
    last_used_written: dict[str, float] = field(default_factory=dict)  # key id -> when last_used_at was written
    wake_events: list[asyncio.Event] = field(default_factory=list)  # background workers of this process
    keyring: KeyRing = field(init=False)  # the JWT signing keys, as this process knows them

    def __post_init__(self) -> None:
        self.keyring = KeyRing(self.secret_key)

    def wake_workers(self) -> None:
        """A hint that new work was queued; workers also poll, so a missed wake only adds latency."""
        for event in self.wake_events:
            event.set()
