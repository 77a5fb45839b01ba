"""Display filters for customer data: phones, tax ids, custom field values, contact points."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vinculo.core.templatetags import custom_fields
from vinculo.customers.normalize import format_phone, format_tax_id

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """An E.164 phone in readable form ("(11) 98765-4321" or "+351 912 345 678")."""
    return format_phone(value) if value else ""


@register.filter
def tax_id(customer: Any) -> str:
    """The customer's tax id formatted for its type (CPF 111.444.777-35, CNPJ, NIF…)."""
    number = getattr(customer, "tax_id", "")
    return format_tax_id(getattr(customer, "tax_id_type", ""), number) if number else ""


@register.filter
def breakable(value: str | None) -> SafeString:
    """Escaped text that may wrap before "." and "@" (<wbr>): long emails break at their
    natural points in narrow table columns instead of widening the page."""
    return mark_safe(re.sub(r"([.@])", r"<wbr>\1", escape(value or "")))  # noqa: S308


@register.filter
def social_handle(value: str | None) -> str:
    """The handle part of a stored "platform:handle" value."""
    return (value or "").split(":", 1)[-1]


# Custom field values are formatted the same way for every model (core.tagging).
register.filter("custom_value", custom_fields.custom_value)
register.filter("get_item", custom_fields.get_item)
