"""Schema building blocks shared by every router: strict input, references, cursor pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, Strict, create_model
from pydantic_core import PydanticCustomError

from vinculo.core.pagination import Page

MAX_ID = 2**63 - 1
DEFAULT_LIMIT = 50


def _whole_number(value: Any) -> Any:
    """JSON has one number type: `42.0` is the integer 42, as JSON Schema reads it, though a
    StrictSchema would refuse it. `true`, `"42"` and `42.5` stay refused in JSON bodies."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole(**constraints: Any) -> Any:
    """An integer input with Field constraints (ge, le). The validator goes last, so it runs
    first and the constraints stay on the integer (minimum/maximum in the description)."""
    return Annotated[int, Field(**constraints), BeforeValidator(_whole_number)]


# A database id: bounded, so a huge number is a 422, never a database overflow.
Id = whole(ge=1, le=MAX_ID)
Cursor = Annotated[str, Field(max_length=1000)]
Limit = Annotated[int, Field(ge=1, le=settings.API_PAGE_SIZE_MAX)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(pattern: re.Pattern[str], error_type: str) -> BeforeValidator:
    """Dates and times come as ISO 8601 text, as the description says. Left alone, pydantic
    would also read numbers as Unix timestamps (`until=0.5` is 1970) and a bare date as
    midnight; nobody sending those means what they would get."""

    def check(value: Any) -> Any:
        if isinstance(value, dt.date) or (isinstance(value, str) and pattern.match(value)):
            return value
        # A pydantic error type, so the problem says "Enter a valid date…" with code
        # invalid_type like any other unreadable date (see problems.translate_error).
        raise PydanticCustomError(error_type, "Input should be an ISO 8601 text")

    return BeforeValidator(check)


# Strict(False): JSON has no date type, so the text is parsed even in a StrictSchema.
IsoDate = Annotated[dt.date, Strict(False), _iso_text(_ISO_DATE, "date_type")]
IsoDateTime = Annotated[dt.datetime, Strict(False), _iso_text(_ISO_DATETIME, "datetime_type")]


class StrictSchema(Schema):
    """Input schema: unknown fields are refused with a field-level error, not ignored, and
    JSON types are taken as they are: `0` is not `false`, `"5"` and `true` are not numbers."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Ref(Schema):
    """A linked record, enough to show and to follow: {id, name}."""

    id: int
    name: str


def _drop_null(schema: dict[str, Any]) -> None:
    any_of = schema.get("anyOf")
    if any_of:
        kept = [option for option in any_of if option.get("type") != "null"]
        schema.pop("anyOf")
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    schema.pop("default", None)


def omittable(**kwargs: Any) -> Any:
    """A field of an edit (PATCH-like) schema that may be left out but never sent as null.
    The Python type stays `X | None` (None = "not sent"); the description loses the null,
    since the handler refuses it ("This field cannot be null.")."""
    return Field(None, json_schema_extra=_drop_null, **kwargs)


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
