"""Stripe's webhook signature: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`
(several v1 entries during a secret roll). Checked in constant time, within 300 s of now."""

from __future__ import annotations

import hashlib
import hmac
import time

from resolvers.billing.schemas import SIGNATURE_TOLERANCE_SECONDS
from resolvers.errors import DomainError


class InvalidSignature(DomainError):
    code = "INVALID_SIGNATURE"
    status = 400
    default_message = "The Stripe-Signature header does not match the payload"


def verify(payload: str, header: str | None, secret: str, *, now: float | None = None) -> None:
    timestamp, signatures = _parse(header)
    if abs((now if now is not None else time.time()) - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature("The Stripe-Signature timestamp is outside the 300 s tolerance")
    expected = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature()


def _parse(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise InvalidSignature("The Stripe-Signature header is missing")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature("The Stripe-Signature header is malformed")
    return timestamp, signatures
