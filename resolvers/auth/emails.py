"""Auth mails: verification, password reset, magic link, email change, and what each one says.

A flow queues a mail naming its purpose and recipient (one outbox row, in the request's
transaction). The single-use token is made when the mail worker composes the mail, so the outbox
never holds a secret, and a request does the same work whether or not the address has an account
(the composer finds out, and skips the mail when there is nothing to send).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit, urlunsplit

from models.tenants import Tenant
from models.auth import User
from resolvers.auth import config as auth_config
from resolvers.auth import repository
from resolvers.ids import sha256_hex
from resolvers.mail import service as mail
from resolvers.mail.schemas import Composer, Letter, QueuedMail
from resolvers.runtime import Runtime

SIGNUP, EMAIL_CHANGE, RECOVERY, MAGICLINK = "signup", "email_change", "recovery", "magiclink"
EMAIL_CHANGE_NOTICE = "email_change_notice"
LINK_MINUTES = {SIGNUP: 24 * 60, EMAIL_CHANGE: 24 * 60, RECOVERY: 60, MAGICLINK: 15}
TEMPLATE_OF = {SIGNUP: "verification", EMAIL_CHANGE: "email_change", RECOVERY: "reset_password", MAGICLINK: "magic_link"}
CONFIRM_PAGE = "/auth/confirm"  # where links point when the tenant set no site_url

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "verification": (
        "Confirm your email for {{ app_name }}",
        "Hello,\n\nConfirm that {{ email }} is your address by opening this link:\n\n{{ link }}\n\n"
        "It works once and expires in {{ expires_in }}. If you did not sign up, ignore this mail.\n",
    ),
    "reset_password": (
        "Reset your {{ app_name }} password",
        "Hello,\n\nSomeone asked to reset the password of {{ email }}. Choose a new one here:\n\n{{ link }}\n\n"
        "It works once and expires in {{ expires_in }}. If it was not you, ignore this mail: "
        "your password stays as it is.\n",
    ),
    "magic_link": (
        "Your {{ app_name }} sign-in link",
        "Hello,\n\nOpen this link to sign in as {{ email }}:\n\n{{ link }}\n\n"
        "It works once and expires in {{ expires_in }}. If you did not ask for it, ignore this mail.\n",
    ),
    "email_change": (
        "Confirm your new email for {{ app_name }}",
        "Hello,\n\nConfirm that {{ email }} is your new address by opening this link:\n\n{{ link }}\n\n"
        "It works once and expires in {{ expires_in }}. Until then your account keeps its current address.\n",
    ),
}
NOTICE_TEMPLATE = (
    "Your {{ app_name }} email is being changed",
    "Hello,\n\nSomeone signed in to your account asked to change its email to {{ email }}. The change happens "
    "when the new address confirms it. If it was not you, change your password now.\n",
)


async def queue(runtime: Runtime, purpose: str, *, tenant_id: str, to: str, user_id: str | None = None, redirect_to: str | None = None) -> None:
    data = {"user_id": user_id, "redirect_to": redirect_to}
    await mail.queue(runtime, tenant_id=tenant_id, kind=f"auth.{purpose}", to=to, data=data)


async def queue_change_notice(runtime: Runtime, *, tenant_id: str, to: str, new_email: str) -> None:
    """Tell the current address that a change to `new_email` was asked for (no link)."""
    await mail.queue(runtime, tenant_id=tenant_id, kind=f"auth.{EMAIL_CHANGE_NOTICE}", to=to, data={"new_email": new_email})


async def prune_links(now: datetime) -> None:
    """The mail worker's housekeeping for auth: links expired a day ago are gone for good."""
    await repository.prune_email_links(now - timedelta(days=1))


def composers(public_url: str) -> dict[str, Composer]:
    """The mail worker's composers for auth mails; links fall back to this server's confirm page."""

    async def compose(queued: QueuedMail) -> Letter | None:
        return await _compose(queued, public_url)

    return {f"auth.{purpose}": compose for purpose in (*LINK_MINUTES, EMAIL_CHANGE_NOTICE)}


async def _compose(queued: QueuedMail, public_url: str) -> Letter | None:
    purpose = queued.kind.removeprefix("auth.")
    tenant = await Tenant.get_or_none(id=queued.tenant_id) if queued.tenant_id else None
    if tenant is None or tenant.status == "suspended":
        return None
    app_name = str((tenant.branding or {}).get("brand_name") or tenant.name)
    settings = await auth_config.mail_settings(tenant.id)
    if purpose == EMAIL_CHANGE_NOTICE:
        return _letter(queued.to, NOTICE_TEMPLATE, {"email": str(queued.data.get("new_email") or ""), "app_name": app_name})
    wanted, user = await _recipient(purpose, tenant.id, queued)
    if not wanted:
        return None
    token = secrets.token_urlsafe(32)
    minutes = LINK_MINUTES[purpose]
    await repository.create_email_link(
        tenant.id, user.id if user else None, purpose, queued.to, sha256_hex(token), _now() + timedelta(minutes=minutes)
    )
    base = queued.data.get("redirect_to") or settings.site_url or public_url + CONFIRM_PAGE
    link = _with_query(base, {"token": token, "type": purpose})
    configured = settings.templates.get(TEMPLATE_OF[purpose]) or {}
    subject, body = DEFAULT_TEMPLATES[TEMPLATE_OF[purpose]]
    template = (configured.get("subject") or subject, configured.get("body") or body)
    values = {
        "link": link, "token": token, "email": queued.to, "app_name": app_name,
        "expires_minutes": str(minutes), "expires_in": _duration(minutes),
    }
    return _letter(queued.to, template, values)


async def _recipient(purpose: str, tenant_id: str, queued: QueuedMail) -> tuple[bool, User | None]:
    """Whether the mail still makes sense now that it is being sent, and whose link it carries
    (a magic link to an address without an account signs it up when used)."""
    if purpose in (RECOVERY, MAGICLINK):
        user = await repository.user_by_email(tenant_id, queued.to)
        if user is not None and user.status == "banned":
            return False, None
        return user is not None or purpose == MAGICLINK, user
    user = await repository.user_by_id(tenant_id, str(queued.data.get("user_id") or ""))
    if user is None or (purpose == SIGNUP and (user.email != queued.to or user.email_verified_at is not None)):
        return False, None  # gone, or the address changed or was verified meanwhile
    return True, user


def _with_query(url: str, values: dict[str, str]) -> str:
    """Add to the URL's query (before any #fragment, where `location.search` finds it)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(values)) if q)
    return urlunsplit(parts._replace(query=query))


def _letter(to: str, template: tuple[str, str], values: dict[str, str]) -> Letter:
    subject, body = (auth_config.PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), part) for part in template)
    return Letter(to=to, subject=" ".join(subject.split()), body=body)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return f"{hours} hour" + ("s" if hours > 1 else "")
    return f"{minutes} minutes"


def _now() -> datetime:
    return datetime.now(timezone.utc)
