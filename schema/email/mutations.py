"""Transactional email (scope `write`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.email import service
from schema.email.types import EmailSent, SendEmailInput
from schema.inputs import provided_fields


@strawberry.type
class EmailMutations:
    @strawberry.mutation(description="Send a transactional email through the server's mail provider.")
    async def send_email(self, info: Info, input: SendEmailInput) -> EmailSent:
        fields = {name.rstrip("_"): value for name, value in provided_fields(input).items()}  # from_ is `from`
        return EmailSent(**await service.send_email(info.context.principal, fields, runtime=info.context.runtime))
