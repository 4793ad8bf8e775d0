"""Comments on objects: read with the object (newest first, keyset pages), written by signed-in
users only (an API key is not a person), edited and deleted by their author only. Each change is
an event on the event log (comment.created, comment.updated, comment.deleted)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


from models.comments import Comment
from resolvers.authz import require_principal
from resolvers.errors import Forbidden, NotFound, ValidationError
from resolvers.events import service as events
from resolvers.events.schemas import NewEvent
from resolvers.ids import new_id
from resolvers.objects import service as objects
from resolvers.paging import bounded_int, newest_first
from resolvers.principal import Principal
from resolvers.scoping import scoped

MAX_BODY = 10_000
MAX_PAGE = 100


async def list_comments(principal: Principal | None, type_ref: str, object_id: str, *, limit: Any = None, cursor: str | None = None) -> dict[str, Any]:
    caller = require_principal(principal)
    target = await objects.get_object(caller, type_ref, object_id)  # 404 or 403 as for the object itself
    size = bounded_int(limit, "limit", default=20, low=1, high=MAX_PAGE)
    query = scoped(Comment, caller.tenant_id).filter(object_id=target.id)
    total = await query.count()
    page, next_cursor = await newest_first(query, limit=size, cursor=cursor)
    return {"results": page, "next_cursor": next_cursor, "total": total}


async def create_comment(principal: Principal | None, type_ref: str, object_id: str, body: Any) -> Comment:
    caller = _user(principal)
    target = await objects.get_object(caller, type_ref, object_id)
    comment = Comment(
        id=new_id("cmt"), tenant_id=caller.tenant_id, object_type_id=target.object_type_id, object_id=target.id,
        author_id=caller.user_id, body=_body(body),
    )
    await comment.save(force_create=True)
    await _event("created", comment, caller)
    return comment


async def update_comment(principal: Principal | None, type_ref: str, object_id: str, comment_id: str, body: Any) -> Comment:
    caller = _user(principal)
    comment = await _own(caller, type_ref, object_id, comment_id)
    comment.body = _body(body)
    comment.edited_at = datetime.now(timezone.utc)
    await comment.save()
    await _event("updated", comment, caller)
    return comment


async def delete_comment(principal: Principal | None, type_ref: str, object_id: str, comment_id: str) -> bool:
    caller = _user(principal)
    comment = await _own(caller, type_ref, object_id, comment_id)
    await comment.delete()
    await _event("deleted", comment, caller)
    return True


def _user(principal: Principal | None) -> Principal:
    caller = require_principal(principal)
    if caller.kind != "user" or caller.user_id is None:
        raise Forbidden("Comments are written by signed-in users: call with a user's access token, not an API key")
    return caller


async def _own(caller: Principal, type_ref: str, object_id: str, comment_id: str) -> Comment:
    target = await objects.get_object(caller, type_ref, object_id)
    comment = await scoped(Comment, caller.tenant_id).get_or_none(id=comment_id, object_id=target.id)
    if comment is None:
        raise NotFound(f"Comment {comment_id} not found")
    if comment.author_id != caller.user_id:
        raise Forbidden("Only the author can change or delete a comment")
    return comment


def _body(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_BODY:
        raise ValidationError.single("body", f"must be text of 1 to {MAX_BODY} characters")
    return value


async def _event(kind: str, comment: Comment, caller: Principal) -> None:
    await events.record(NewEvent(
        tenant_id=comment.tenant_id, type=f"comment.{kind}", object_type_id=comment.object_type_id, object_id=comment.object_id,
        data=comment_data(comment), actor=caller.actor,
    ))


def comment_data(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id, "object_type_id": comment.object_type_id, "object_id": comment.object_id, "author_id": comment.author_id,
        "body": comment.body, "created_at": _iso(comment.created_at), "updated_at": _iso(comment.updated_at), "edited_at": _iso(comment.edited_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
