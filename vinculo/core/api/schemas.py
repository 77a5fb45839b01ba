"""Schema building blocks shared by every router: strict input, references, cursor pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from vinculo.core.pagination import Page

MAX_ID = 2**63 - 1
DEFAULT_LIMIT = 50

# A database id: bounded, so a huge number is a 422, never a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Cursor = Annotated[str, Field(max_length=1000)]
Limit = Annotated[int, Field(ge=1, le=settings.API_PAGE_SIZE_MAX)]


class StrictSchema(Schema):
    """Input schema: unknown fields are refused with a field-level error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    """A linked record, enough to show and to follow: {id, name}."""

    id: int
    name: str


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def choice(values: list[str], *, blank: bool = False) -> Any:
    """A Literal of the allowed values (an enum in OpenAPI), optionally with ""."""
    options = tuple(values) + (("",) if blank else ())
    return Literal[options]  # type: ignore[valid-type]


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """{"items": [...], "next_cursor": str|null, "prev_cursor": str|null} of `item`."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __base__=Schema,
        items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, None),
        prev_cursor=(str | None, None),
    )


def page_body(page: Page, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """Datetimes sent without an offset are read in the user's time zone."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
