"""GraphQL types of transactional email."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON


@strawberry.input
class SendEmailInput:
    to: JSON = strawberry.field(description="an address, or a list of up to 50")
    subject: str
    html: Optional[str] = strawberry.UNSET
    text: Optional[str] = strawberry.UNSET
    from_: Optional[str] = strawberry.field(default=strawberry.UNSET, name="from")
    reply_to: Optional[str] = strawberry.UNSET


@strawberry.type(description="The mail was queued for delivery (sent after the request commits).")
class EmailSent:
    sent: bool
    message_id: str
    message_ids: list[str]
