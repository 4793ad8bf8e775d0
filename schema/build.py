"""The one Strawberry schema, composed from per-domain roots."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers.errors import DomainError
from schema.api_keys.mutations import ApiKeyMutations
from schema.api_keys.queries import ApiKeyQueries
from schema.execution import BasaltExecutor
from schema.extensions import BasaltOperation, OperationLimits, shape_error
from schema.health.queries import HealthQueries
from schema import lean_resolvers
from schema.associations.mutations import AssociationMutations
from schema.associations.queries import AssociationQueries
from schema.comments.mutations import CommentMutations
from schema.comments.queries import CommentQueries
from schema.data_io.mutations import DataIoMutations
from schema.data_io.queries import DataIoQueries
from schema.auth.link_mutations import AuthLinkMutations
from schema.auth.mutations import AuthMutations
from schema.auth.queries import AuthQueries
from schema.users.mutations import UserMutations
from schema.users.queries import UserQueries
from schema.audit.queries import AuditQueries
from schema.automations.mutations import AutomationMutations
from schema.automations.queries import AutomationQueries
from schema.billing.mutations import BillingMutations
from schema.custom_endpoints.mutations import CustomEndpointMutations
from schema.custom_endpoints.queries import CustomEndpointQueries
from schema.functions.mutations import CustomFunctionMutations
from schema.functions.queries import CustomFunctionQueries
from schema.hooks.mutations import RuntimeHookMutations
from schema.plugins.mutations import PluginMutations
from schema.plugins.queries import PluginQueries
from schema.hooks.queries import RuntimeHookQueries
from schema.email.mutations import EmailMutations
from schema.governance.mutations import GovernanceMutations
from schema.governance.queries import GovernanceQueries
from schema.jobs.mutations import JobMutations
from schema.jobs.queries import JobQueries
from schema.events.mutations import EventMutations
from schema.events.queries import EventQueries
from schema.events.subscriptions import EventSubscriptions
from schema.object_types.mutations import ObjectTypeMutations
from schema.object_types.queries import ObjectTypeQueries
from schema.objects.mutations import ObjectMutations
from schema.objects.queries import ObjectQueries
from schema.policies.mutations import PolicyMutations
from schema.policies.queries import PolicyQueries
from schema.properties.mutations import PropertyMutations
from schema.properties.queries import PropertyQueries
from schema.tenants.queries import TenantQueries
from schema.roles.mutations import RoleMutations
from schema.roles.queries import RoleQueries
from schema.views.mutations import ViewMutations
from schema.webhooks.mutations import WebhookMutations
from schema.webhooks.queries import WebhookQueries
from schema.views.queries import ViewQueries

QUERY_ROOTS: tuple[type, ...] = (
    HealthQueries,
    TenantQueries,
    ApiKeyQueries,
    ObjectTypeQueries,
    PropertyQueries,
    ObjectQueries,
    ViewQueries,
    AssociationQueries,
    DataIoQueries,
    EventQueries,
    AuthQueries,
    UserQueries,
    WebhookQueries,
    JobQueries,
    AutomationQueries,
    RoleQueries,
    GovernanceQueries,
    CommentQueries,
    AuditQueries,
    PolicyQueries,
    CustomEndpointQueries,
    RuntimeHookQueries,
    CustomFunctionQueries,
    PluginQueries,
)
MUTATION_ROOTS: tuple[type, ...] = (
    ApiKeyMutations,
    ObjectTypeMutations,
    PropertyMutations,
    ObjectMutations,
    ViewMutations,
    AssociationMutations,
    DataIoMutations,
    EventMutations,
    AuthMutations,
    AuthLinkMutations,
    UserMutations,
    WebhookMutations,
    EmailMutations,
    BillingMutations,
    JobMutations,
    AutomationMutations,
    RoleMutations,
    GovernanceMutations,
    CommentMutations,
    PolicyMutations,
    CustomEndpointMutations,
    RuntimeHookMutations,
    CustomFunctionMutations,
    PluginMutations,
)
SUBSCRIPTION_ROOTS: tuple[type, ...] = (EventSubscriptions,)

Query = merge_types("Query", QUERY_ROOTS)
Mutation = merge_types("Mutation", MUTATION_ROOTS)
Subscription = merge_types("Subscription", SUBSCRIPTION_ROOTS)


class BasaltSchema(strawberry.Schema):
    limits: OperationLimits  # parse and validation limits, with their caches (the extension's)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Expected domain errors are answers, not incidents: log only the rest."""
        unexpected = [e for e in errors if not isinstance(e.original_error, DomainError) and e.original_error is not None]
        if unexpected:
            logging.getLogger("basalt.graphql").debug("%d unexpected GraphQL error(s)", len(unexpected))


    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions too leave with coded errors (the extension only sees single results)."""
        results = await super().stream(*args, **kwargs)
        if not hasattr(results, "__aiter__"):
            _shape(results)
            return results
        return _shaped(results)


def _shape(result: Any) -> None:
    if getattr(result, "errors", None):
        result.errors = [shape_error(e) for e in result.errors]


async def _shaped(results: Any) -> AsyncGenerator[Any, None]:
    try:
        async for result in results:
            _shape(result)
            yield result
    finally:
        await results.aclose()


def build_schema(*, max_depth: int = 12, max_aliases: int = 30, max_tokens: int = 4000, introspection: bool = True) -> BasaltSchema:
    limits = OperationLimits(max_depth=max_depth, max_aliases=max_aliases, max_tokens=max_tokens, introspection=introspection)
    extensions: list[Any] = [lambda: BasaltOperation(limits)]
    schema = BasaltSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=not introspection),
        execution_context_class=BasaltExecutor,
    )
    schema.limits = limits
    lean_resolvers.install(schema)  # resolvers without Strawberry's per-call wrapping where none is needed
    return schema
