from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0011_email_links')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('message_id', fields.CharField(max_length=40)),
                ('endpoint_id', fields.CharField(max_length=40)),
                ('event_type', fields.CharField(max_length=100)),
                ('attempt', fields.IntField()),
                ('status_code', fields.IntField(null=True)),
                ('succeeded', fields.BooleanField()),
                ('duration_ms', fields.IntField()),
                ('response_excerpt', fields.CharField(null=True, max_length=1000)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_attempts', 'app': 'basalt', 'indexes': [Index(fields=['tenant_id', 'created_at']), Index(fields=['message_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookCursor',
            fields=[
                ('tenant_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('last_seq', fields.BigIntField(default=0)),
            ],
            options={'table': 'webhook_cursors', 'app': 'basalt', 'pk_attr': 'tenant_id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('url', fields.CharField(max_length=2000)),
                ('events', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('object_types', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('disabled_reason', fields.CharField(null=True, max_length=300)),
                ('description', fields.CharField(null=True, max_length=500)),
                ('secret', fields.TextField(unique=False)),
                ('previous_secret', fields.TextField(null=True, unique=False)),
                ('previous_secret_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'webhook_endpoints', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='WebhookMessage',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('endpoint_id', fields.CharField(max_length=40)),
                ('event_type', fields.CharField(max_length=100)),
                ('event_seq', fields.BigIntField(null=True)),
                ('payload', fields.JSONField(encoder=dumps, decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=60)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_messages', 'app': 'basalt', 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['tenant_id', 'status', 'created_at']), Index(fields=['tenant_id', 'endpoint_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
