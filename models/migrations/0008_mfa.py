from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('basalt', '0007_auth_config')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MfaFactor',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('factor_type', fields.CharField(default='totp', max_length=16)),
                ('friendly_name', fields.CharField(null=True, max_length=100)),
                ('secret', fields.TextField(unique=False)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_step', fields.BigIntField(null=True)),
            ],
            options={'table': 'mfa_factors', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='MfaRecoveryCode',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('code_hash', fields.CharField(max_length=64)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mfa_recovery_codes', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MfaTicket',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('user_id', fields.CharField(max_length=40)),
                ('ticket_hash', fields.CharField(unique=True, max_length=64)),
                ('user_agent', fields.CharField(null=True, max_length=500)),
                ('ip', fields.CharField(null=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mfa_tickets', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuthSession',
            name='aal',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]
