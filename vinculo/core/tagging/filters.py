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

from vinculo.core.errors import field_message
from vinculo.core.tagging.models import CustomFieldDefinition, Tag
from vinculo.core.tagging.values import TAG_MAX, ModelOrLabel, clean_value, definitions_for
from vinculo.core.text import fold

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
    """Records tagged `tag` in any case, with or without accents ("vip" finds "VIP"); none
    when no such tag exists."""
    if not tag:
        return queryset
    ids = list(Tag.objects.filter(folded=fold(tag)[:TAG_MAX]).values_list("pk", flat=True))
    if not ids:
        return queryset.none()
    if len(ids) == 1:
        return queryset.filter(tags=ids[0])
    # Look-alike tags made before tags were folded ("VIP" and "vip"): one row per record.
    model = queryset.model
    through = model.tags.through  # type: ignore[attr-defined]
    column = f"{model._meta.model_name}_id"
    tagged = through.objects.filter(tag_id__in=ids).values(column)
    return queryset.filter(pk__in=tagged)


def suggest_tags(text: str, *, limit: int = 20) -> list[str]:
    """Tag names starting with `text` (folded), then containing it: a tag filter's
    suggestions. Tags are shared by everyone, so no visibility applies."""
    folded = fold(text.strip())[:TAG_MAX]
    names = list(
        Tag.objects.filter(folded__startswith=folded)
        .order_by("folded", "name")
        .values_list("name", flat=True)[:limit]
    )
    if folded and len(names) < limit:
        names += list(
            Tag.objects.filter(folded__contains=folded)
            .exclude(folded__startswith=folded)
            .order_by("folded", "name")
            .values_list("name", flat=True)[: limit - len(names)]
        )
    return names


def parse_custom_filters(
    model: ModelOrLabel, params: Mapping[str, Any], errors: dict[str, list[str]]
) -> list[tuple[str, str, Any]]:
    """(key, op, value) for every non-empty `cf_<key>[__gte|__lte]` parameter naming an
    active custom field of `model`; problems go to `errors` under the parameter's name."""
    if not any(name.startswith(CUSTOM_PREFIX) for name in params):
        return []  # most lists filter on no custom field: no need to read the definitions
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
            errors[name] = [field_message(_("Unknown custom field."), "unknown_field")]
            continue
        if op not in ("", "gte", "lte") or (op and definition.field_type not in RANGED):
            errors[name] = [field_message(_("Unknown filter."), "unknown_field")]
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
