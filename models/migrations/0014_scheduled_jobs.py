from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0013_stripe_billing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JobRun',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('job_id', fields.CharField(max_length=40)),
                ('trigger', fields.CharField(max_length=16)),
                ('scheduled_for', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('depth', fields.IntField(default=0)),
                ('data', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('claimed_by', fields.CharField(null=True, max_length=60)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('result', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'job_runs', 'app': 'basalt', 'unique_together': (('job_id', 'scheduled_for'),), 'indexes': [Index(fields=['status', 'due_at']), Index(fields=['tenant_id', 'job_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledJob',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.CharField(null=True, max_length=1000)),
                ('cron_expression', fields.CharField(null=True, max_length=120)),
                ('timezone', fields.CharField(default='UTC', max_length=64)),
                ('run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('action_type', fields.CharField(max_length=32)),
                ('action_config', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('next_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status', fields.CharField(null=True, max_length=16)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'scheduled_jobs', 'app': 'basalt', 'indexes': [Index(fields=['enabled', 'next_run_at'])], 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
    ]
