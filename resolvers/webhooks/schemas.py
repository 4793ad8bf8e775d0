"""The webhook domain's vocabulary: limits, the retry schedule, event patterns, and the records
the API shows."""

from __future__ import annotations

import fnmatch
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_ENDPOINTS_PER_TENANT = 50
MAX_EVENT_PATTERNS = 50
MAX_OBJECT_TYPES = 100
STATUSES = ("active", "disabled")
# `*`, an event type (ours such as object.created, or a custom one as POST /v1/events accepts it:
# checkout-completed, Order.Paid), or a prefix pattern such as object.*
EVENT_PATTERN = re.compile(r"^(\*|[A-Za-z][A-Za-z0-9_.:-]{0,99}(\.\*)?)$")
SECRET_PREFIX = "whsec_"
SECRET_PURPOSE = "webhook secrets"
PREVIOUS_SECRET_HOURS = 24  # after a rotation both signatures are sent this long
TEST_EVENT = "webhook.test"
RESPONSE_EXCERPT = 1000
FANOUT_BATCH = 500
DELIVERY_BATCH = 50
LEASE_SECONDS = 60
# Standard Webhooks' schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about a day
# in all); after the last retry the message goes to the DLQ. BASALT_WEBHOOK_RETRY_SCHEDULE changes it.
DEFAULT_RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


@dataclass(frozen=True)
class WebhookSettings:
    allow_loopback: bool = False
    timeout_seconds: float = 15.0
    retry_schedule: tuple[int, ...] = DEFAULT_RETRY_SCHEDULE

    def retry_delay(self, attempts_made: int) -> float | None:
        """Seconds until the next attempt after `attempts_made` failed ones (with jitter); None
        when the schedule is used up."""
        if attempts_made >= len(self.retry_schedule):
            return None
        delay = self.retry_schedule[attempts_made]
        return delay * random.uniform(0.9, 1.1) if delay else 0.0


def matches(patterns: list[str], event_type: str) -> bool:
    """`*` is every event, `object.*` every object event, otherwise the exact type."""
    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


@dataclass(frozen=True)
class EndpointRecord:
    id: str
    url: str
    events: list[str]
    object_types: list[str]
    status: str
    disabled_reason: str | None
    description: str | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = None  # shown when created and when rotated, never listed


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    succeeded: bool
    duration_ms: int
    response_excerpt: str | None = None
    error: str | None = None
    attempt_id: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send."""

    id: str
    tenant_id: str
    endpoint_id: str
    event_type: str
    payload: dict[str, Any]
    attempts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
