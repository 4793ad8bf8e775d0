"""Transactional email for tenants' apps (`POST /v1/email/send`, scope `write`): queued in the
mail outbox like the auth mails and sent over the server's SMTP by the mail worker, so a
committed request's mail is never lost. `message_id` is the outbox id.

A tenant may choose the display name of From, and an address only on the server's own sending
domain (anything else would be spoofing, and SPF/DKIM would fail it anyway).
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Any

from resolvers.authz import require_scope
from resolvers.errors import FieldError, ValidationError
from resolvers.mail import service as mail
from resolvers.mail.schemas import Letter, QueuedMail
from resolvers.mail.transport import domain_of
from resolvers.principal import Principal
from resolvers.properties.datatypes import InvalidValue, normalize
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime

KIND = "email.send"
MAX_RECIPIENTS = 50
MAX_SUBJECT = 998
MAX_BODY_CHARS = 256 * 1024
SENDS_PER_MINUTE = 60  # requests per tenant


async def send_email(principal: Principal | None, data: dict[str, Any], *, runtime: Runtime) -> dict[str, Any]:
    caller = require_scope(principal, "write")
    recipients = _recipients(data.get("to"))
    subject = _text(data.get("subject"), "subject", MAX_SUBJECT, required=True)
    if "\n" in subject or "\r" in subject:
        raise ValidationError.single("subject", "must be one line")
    html = _text(data.get("html"), "html", MAX_BODY_CHARS)
    text = _text(data.get("text"), "text", MAX_BODY_CHARS)
    if not html and not text:
        raise ValidationError([FieldError("text", "text or html is required"), FieldError("html", "text or html is required")])
    sender = _sender(data.get("from"), runtime.mail.sender)
    reply_to = _address(data.get("reply_to"), "reply_to") if data.get("reply_to") is not None else None
    await runtime.rate_limiter.hit(f"email-send:{caller.tenant_id}", Limit(SENDS_PER_MINUTE), message="Too many emails; retry later")
    payload = {"subject": subject, "text": text, "html": html, "from": sender, "reply_to": reply_to}
    ids = [await mail.queue(runtime, tenant_id=caller.tenant_id, kind=KIND, to=to, data=payload) for to in recipients]
    return {"sent": True, "message_id": ids[0], "message_ids": ids}


async def compose(queued: QueuedMail) -> Letter:
    """The mail worker's composer for these mails: the letter as it was asked for."""
    data = queued.data
    return Letter(
        to=queued.to, subject=data["subject"], body=data.get("text") or "", html=data.get("html"),
        sender=data.get("from"), reply_to=data.get("reply_to"),
    )


def _recipients(value: Any) -> list[str]:
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not listed or len(listed) > MAX_RECIPIENTS:
        raise ValidationError.single("to", f"must be an email address or a list of 1 to {MAX_RECIPIENTS}")
    return list(dict.fromkeys(_address(item, f"to[{i}]" if isinstance(value, list) else "to") for i, item in enumerate(listed)))


def _address(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError.single(field, "must be an email address")
    try:
        return str(normalize("email", value.strip()))
    except InvalidValue as exc:
        raise ValidationError.single(field, str(exc)) from None


def _sender(value: Any, server_sender: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 320 or "\n" in value or "\r" in value:
        raise ValidationError.single("from", "must be an address such as Acme <hello@example.com>")
    name, address = parseaddr(value)
    checked = _address(address, "from")
    if checked.rpartition("@")[2] != domain_of(server_sender).lower():
        raise ValidationError.single("from", f"must be an address on {domain_of(server_sender)}, the server's sending domain")
    return formataddr((name, checked)) if name else checked


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValidationError.single(field, "is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError.single(field, f"must be text of at most {limit} characters")
    return value
