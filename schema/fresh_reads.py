"""Every mutation starts from fresh reads: what the request read about people before it (DataLoader pages,
counts, the viewer's relations) is dropped as each mutation field starts, so the payloads of the mutations
that follow in the same document show what the earlier ones changed.

A field extension on the Mutation type's fields only: queries, the hot path, run no hook at all (a schema
extension's ``resolve`` hook would wrap every field of every operation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition

T = TypeVar("T", bound=type)


class FreshReads(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any) -> Any:
        info.context.forget_people()
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        info.context.forget_people()
        return await next_(source, info, **kwargs)


def reads_afresh(mutation: T) -> T:
    """Put FreshReads on every field of the (Strawberry) Mutation type; apply it above ``@strawberry.type``."""
    definition = get_object_definition(mutation, strict=True)
    for field in definition.fields:
        field.extensions.append(FreshReads())
    return mutation
