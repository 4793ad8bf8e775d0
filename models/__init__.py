"""Tortoise models, one module per domain, and the checked-in migrations.

`MODEL_MODULES` is the single list the ORM config, the migrations and the CLI read.
"""

MODEL_MODULES = [
    "models.tenants",
    "models.api_keys",
    "models.secure_delete",
    "models.object_types",
    "models.properties",
    "models.objects",
    "models.views",
    "models.associations",
    "models.data_io",
    "models.events",
    "models.auth",
    "models.mail",
    "models.webhooks",
    "models.billing",
    "models.jobs",
    "models.automations",
    "models.roles",
    "models.comments",
    "models.audit",
    "models.policies",
    "models.custom_endpoints",
    "models.hooks",
    "models.functions",
    "models.plugins",
]
