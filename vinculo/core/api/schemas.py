"""Schema building blocks shared by every router: strict input, references, cursor pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, Strict, create_model
from pydantic_core import PydanticCustomError

from vinculo.core.dates import YEAR_MAX, YEAR_MIN, in_year_range
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

# What the API reads: `YYYY-MM-DD`, and for datetimes a time `HH:MM[:SS[.ffffff]]` after
# `T` (or a space) with an optional offset (`Z`, `±HH:MM`, `±HHMM`); without one the time is
# read in the user's time zone.
_TIME = r"[Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)?"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}" + _TIME)

# Years a date or datetime may have: the same bounds as page forms (core.dates).
# The same rules as patterns in the description, for clients that validate against it (and
# for the fuzzer): years 1900–2200, real calendar days (29 February in leap years only).
_LEAP = r"(19|20|21)(0[48]|[2468][048]|[13579][26])|2000"
_CALENDAR_DATE = (
    r"(((19|20|21)\d\d|2200)-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))|(" + _LEAP + r")-02-29)"
)
DATE_PATTERN = "^" + _CALENDAR_DATE + "$"
DATETIME_PATTERN = "^" + _CALENDAR_DATE + _TIME + "$"


def _iso_text(pattern: re.Pattern[str], error_type: str) -> BeforeValidator:
    """Dates and times come as the ISO 8601 text described above, nothing else. Left alone,
    pydantic would also read numbers as Unix timestamps (`until=0.5` is 1970), a bare date
    as midnight and a datetime as a date; nobody sending those means what they would get."""

    def check(value: Any) -> Any:
        if isinstance(value, dt.date) or (isinstance(value, str) and pattern.fullmatch(value)):
            return value
        # A pydantic error type, so the problem says "Enter a valid date…" with code
        # invalid_type like any other unreadable date (see problems.translate_error).
        raise PydanticCustomError(error_type, "Input should be an ISO 8601 text")

    return BeforeValidator(check)


def _in_year_range(value: dt.date) -> dt.date:
    if not in_year_range(value):
        raise PydanticCustomError(
            "year_out_of_range",
            "Enter a date between the years {low} and {high}",
            {"low": YEAR_MIN, "high": YEAR_MAX},
        )
    return value


def _datetime_schema(schema: dict[str, Any]) -> None:
    """The pattern says it all; `format: date-time` (RFC 3339) would wrongly call the
    offset and the seconds mandatory."""
    schema.pop("format", None)
    schema["pattern"] = DATETIME_PATTERN


# Strict(False): JSON has no date type, so the text is parsed even in a StrictSchema.
IsoDate = Annotated[
    dt.date,
    Strict(False),
    AfterValidator(_in_year_range),
    _iso_text(_ISO_DATE, "date_type"),
    Field(json_schema_extra={"pattern": DATE_PATTERN}),
]
IsoDateTime = Annotated[
    dt.datetime,
    Strict(False),
    AfterValidator(_in_year_range),
    _iso_text(_ISO_DATETIME, "datetime_type"),
    Field(json_schema_extra=_datetime_schema),
]


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
