"""Template filters for amounts: {{ value|money }} and {{ value|money:"EUR" }}."""

from __future__ import annotations

from typing import Any

from django import template

from vinculo.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(value: Any, currency: str | None = None) -> str:
    if value is None or value == "":
        return ""
    return format_money(value, currency or None)
