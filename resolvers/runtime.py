"""Process-wide services handed to resolvers: built once by the app, never imported globally."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from resolvers.rate_limit.service import RateLimiter


@dataclass
class Runtime:
    secret_key: str
    rate_limiter: RateLimiter
    version: str
    region: str
    lookup_rate_limit: int = 20
    started_at: float = field(default_factory=time.monotonic)
