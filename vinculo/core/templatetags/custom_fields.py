"""Template filters for custom field values of any model: {{ value|custom_value:definition }}
and {{ mapping|get_item:key }}."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from vinculo.core.money import format_money, format_number
from vinculo.core.tagging.models import CustomFieldDefinition

register = template.Library()


@register.filter
def custom_value(value: Any, definition: CustomFieldDefinition) -> str:
    """A stored custom field value formatted for its type in the current language."""
    if value is None or value == "":
        return ""
    kind = definition.field_type
    if kind == CustomFieldDefinition.FieldType.BOOLEAN:
        return _("Yes") if value is True else _("No")
    if kind == CustomFieldDefinition.FieldType.DATE:
        try:
            return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if kind == CustomFieldDefinition.FieldType.NUMBER:
        return format_number(value)
    if kind == CustomFieldDefinition.FieldType.MONEY:
        return format_money(value)
    return str(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`mapping[key]` for templates (custom field values by key)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
