"""Template filters for custom field values of any model: {{ value|custom_value:definition }}
and {{ mapping|get_item:key }}."""

from __future__ import annotations

from typing import Any

from django import template

from vinculo.core.tagging.models import CustomFieldDefinition
from vinculo.core.tagging.values import format_value

register = template.Library()


@register.filter
def custom_value(value: Any, definition: CustomFieldDefinition) -> str:
    """A stored custom field value formatted for its type in the current language."""
    return format_value(definition, value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`mapping[key]` for templates (custom field values by key)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
