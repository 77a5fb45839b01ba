"""The list filters that come with tags and custom fields, shared by pages and the API:
`tag=<name>`, `cf_<key>=<value>` and, on number, money and date fields,
`cf_<key>__gte=` / `cf_<key>__lte=`. One parser, so a page and the API can never read a
filter differently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vinculo.core.tagging.models import CustomFieldDefinition, Tag
from vinculo.core.tagging.values import TAG_MAX, ModelOrLabel, clean_value, definitions_for

CUSTOM_PREFIX = "cf_"
RANGED = (
    CustomFieldDefinition.FieldType.NUMBER,
    CustomFieldDefinition.FieldType.MONEY,
    CustomFieldDefinition.FieldType.DATE,
)


def parse_tag(params: Mapping[str, Any]) -> str:
    """The `tag` filter as typed (trimmed, at most a tag's length)."""
    return str(params.get("tag") or "").strip()[:TAG_MAX]


def filter_by_tag(queryset: QuerySet[Any], tag: str) -> QuerySet[Any]:
    """Records carrying the tag named `tag` (none when no such tag exists)."""
    if not tag:
        return queryset
    found = Tag.objects.filter(name=tag).first()
    return queryset.filter(tags=found) if found else queryset.none()


def parse_custom_filters(
    model: ModelOrLabel, params: Mapping[str, Any], errors: dict[str, list[str]]
) -> list[tuple[str, str, Any]]:
    """(key, op, value) for every non-empty `cf_<key>[__gte|__lte]` parameter naming an
    active custom field of `model`; problems go to `errors` under the parameter's name."""
    definitions = {d.key: d for d in definitions_for(model)}
    found: list[tuple[str, str, Any]] = []
    for name in params:
        if not name.startswith(CUSTOM_PREFIX):
            continue
        key, _sep, op = name[len(CUSTOM_PREFIX) :].partition("__")
        raw = params.get(name)
        if raw in (None, ""):
            continue
        definition = definitions.get(key)
        if definition is None:
            errors[name] = [_("Unknown custom field.")]
            continue
        if op not in ("", "gte", "lte") or (op and definition.field_type not in RANGED):
            errors[name] = [_("Unknown filter.")]
            continue
        try:
            found.append((key, op, clean_value(definition, raw)))
        except ValueError as exc:
            errors[name] = [str(exc)]
    return found


def filter_by_custom(queryset: QuerySet[Any], custom: list[tuple[str, str, Any]]) -> QuerySet[Any]:
    """Apply parsed custom field filters (JSON key lookups on `custom_data`)."""
    for key, op, value in custom:
        lookup = f"custom_data__{key}" + (f"__{op}" if op else "")
        queryset = queryset.filter(**{lookup: value})
    return queryset


@dataclass
class TagAndFieldFilter:
    """The tag and custom field filters of one list; a model's own filter set holds one
    (or copies its two fields) next to its other filters."""

    tag: str = ""
    custom: list[tuple[str, str, Any]] = field(default_factory=list)  # (key, op, value)

    @classmethod
    def from_params(
        cls, model: ModelOrLabel, params: Mapping[str, Any], errors: dict[str, list[str]]
    ) -> TagAndFieldFilter:
        return cls(tag=parse_tag(params), custom=parse_custom_filters(model, params, errors))

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return filter_by_custom(filter_by_tag(queryset, self.tag), self.custom)

    def is_filtered(self) -> bool:
        return bool(self.tag or self.custom)


def filter_labels(definitions: Sequence[CustomFieldDefinition]) -> dict[str, str]:
    """Names of the filter parameters, for error messages ("Shoe size ≥: Enter a number.")."""
    labels = {"tag": _("Tag")}
    for d in definitions:
        labels[f"{CUSTOM_PREFIX}{d.key}"] = d.label
        labels[f"{CUSTOM_PREFIX}{d.key}__gte"] = f"{d.label} ≥"
        labels[f"{CUSTOM_PREFIX}{d.key}__lte"] = f"{d.label} ≤"
    return labels
