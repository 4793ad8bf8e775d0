from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('basalt', '0005_event_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuthSession',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('user_id', fields.CharField(db_index=True, max_length=40)),
                ('user_agent', fields.CharField(null=True, max_length=500)),
                ('ip', fields.CharField(null=True, max_length=64)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_sessions', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('session_id', fields.CharField(db_index=True, max_length=40)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('parent_id', fields.CharField(null=True, max_length=40)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_tokens', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SigningKey',
            fields=[
                ('kid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('algorithm', fields.CharField(max_length=16)),
                ('private_key', fields.TextField(unique=False)),
                ('public_jwk', fields.JSONField(encoder=dumps, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'signing_keys', 'app': 'basalt', 'pk_attr': 'kid'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('email', fields.CharField(null=True, max_length=320)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('password_hash', fields.CharField(null=True, max_length=200)),
                ('role', fields.CharField(default='authenticated', max_length=63)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('ban_reason', fields.CharField(null=True, max_length=500)),
                ('is_anonymous', fields.BooleanField(default=False)),
                ('email_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_sign_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('user_metadata', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
            ],
            options={'table': 'users', 'app': 'basalt', 'unique_together': (('tenant_id', 'email'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
    ]
