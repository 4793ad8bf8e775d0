"""The event log: one row per committed change, written in the same transaction as the change.

`seq` is the event's public id, monotonic per tenant. The relay assigns it after the change has
committed, in the order the relay sees committed rows, or a statement that commits on its own
assigns it as it writes the row; either holds the tenant's `event_sequences` row until its commit.
So a listener that has seen `seq` N can ask the log for everything after N and never miss an event
that commits later (see `resolvers.events.relay`). Until then `seq` is NULL and the event is
invisible to listeners.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec


class Event(Model):
    id = fields.BigIntField(primary_key=True)  # insertion order; internal
    tenant_id = fields.CharField(max_length=40)
    seq = fields.BigIntField(null=True)
    type = fields.CharField(max_length=100)
    custom = fields.BooleanField(default=False)  # tracked through POST /v1/events
    object_type_id = fields.CharField(max_length=40, null=True)
    object_id = fields.CharField(max_length=40, null=True)
    data = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    changed = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    actor = fields.CharField(max_length=40, null=True)
    depth = fields.SmallIntField(null=True)  # made by automation actions this many levels deep; NULL: by a request
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "events"
        unique_together = (("tenant_id", "seq"),)
        indexes = (("tenant_id", "custom", "id"), ("created_at",))


class EventSequence(Model):
    # The last seq handed out per tenant; the relay writes it inside its transaction, and a statement
    # that commits on its own may take the next seqs as it writes its events (events/repository.py).
    # (A comment, not a docstring: Tortoise pastes docstrings into SQL as table comments.)

    tenant_id = fields.CharField(max_length=40, primary_key=True)
    last_seq = fields.BigIntField(default=0)

    class Meta:
        table = "event_sequences"
