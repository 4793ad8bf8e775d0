"""User administration GraphQL types."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON

from schema.auth.types import AuthUserNode


@strawberry.type
class UserPage:
    users: list[AuthUserNode]
    total: int


@strawberry.input
class CreateUserInput:
    email: str
    password: Optional[str] = None
    phone: Optional[str] = None
    role: Optional[str] = None
    email_verified: Optional[bool] = None
    user_metadata: Optional[JSON] = None


@strawberry.input
class UpdateUserInput:
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    role: Optional[str] = strawberry.UNSET
    banned: Optional[bool] = strawberry.UNSET
    ban_reason: Optional[str] = strawberry.UNSET
    email_verified: Optional[bool] = strawberry.UNSET
    user_metadata: Optional[JSON] = strawberry.UNSET


@strawberry.type
class DeletedUser:
    user_id: str
    deleted: bool
