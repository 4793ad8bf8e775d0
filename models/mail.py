"""The mail outbox: a row per email to send, written in the transaction of the request that asked
for it and sent by a mail worker after commit, so a committed request's mail is never lost."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec


class MailMessage(Model):
    # What to send, not the rendered mail: the worker composes it at send time (an auth mail makes
    # its single-use token then), so no secret ever sits in this table.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40, null=True)
    kind = fields.CharField(max_length=40)  # which composer renders it, such as auth.recovery
    to_address = fields.CharField(max_length=320)
    data = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    status = fields.CharField(max_length=16, default="pending")  # pending, sent, skipped, failed
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_messages"
        indexes = (("status", "next_attempt_at"),)
