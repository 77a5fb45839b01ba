"""API building blocks for models with tags and custom fields: the input types of
`tags` and `custom`, the `tag` query parameter, and the `cf_<key>` list filters (read from
the query string by filters.parse_custom_filters, the same parser the pages use)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Query
from pydantic import AfterValidator, Field, WithJsonSchema

from vinculo.core.errors import ValidationFailed
from vinculo.core.tagging.filters import TagAndFieldFilter
from vinculo.core.tagging.values import TAG_MAX, TAGS_MAX, TEXT_MAX, ModelOrLabel


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > TEXT_MAX:
            raise ValueError(_("At most %(n)d characters.") % {"n": TEXT_MAX})
        return value
    raise ValueError(_("Enter text, a number, true, false or null."))


# What _scalar accepts, so the description does not offer objects or lists.
_CUSTOM_VALUE_SCHEMA = {
    "anyOf": [
        {"type": "string", "maxLength": TEXT_MAX},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
    ]
}
CustomValue = Annotated[Any, AfterValidator(_scalar), WithJsonSchema(_CUSTOM_VALUE_SCHEMA)]
# {"key": value}: a value per custom field key; null removes a value.
CustomValues = dict[Annotated[str, Field(max_length=50)], CustomValue]
TagName = Annotated[str, Field(max_length=TAG_MAX)]
TagNames = Annotated[list[TagName], Field(max_length=TAGS_MAX)]
# The `tag` list filter as a declared query parameter (so the description lists it).
TagQuery = Annotated[str | None, Query(max_length=TAG_MAX, description="Records with this tag")]

CUSTOM_FILTERS_DOC = (
    "Also `cf_<key>=value` for custom fields, and `cf_<key>__gte=` / `cf_<key>__lte=` "
    "for number, money and date fields."
)


def list_filters(model: ModelOrLabel, params: Mapping[str, Any]) -> TagAndFieldFilter:
    """The tag and custom field filters of a list request; 422 on an unknown field or a
    value its type refuses (the problem names the parameter)."""
    errors: dict[str, list[str]] = {}
    found = TagAndFieldFilter.from_params(model, params, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return found
