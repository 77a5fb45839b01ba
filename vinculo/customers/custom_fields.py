"""Validation of administrator-defined custom field values stored in Customer.custom_data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from vinculo.core.money import CENT, format_money, format_number, parse_amount
from vinculo.customers.models import CustomFieldDefinition

TEXT_MAX = 1000


def active_definitions(kind: str | None = None) -> list[CustomFieldDefinition]:
    defs = list(CustomFieldDefinition.objects.filter(is_active=True))
    return [d for d in defs if kind is None or d.applies(kind)]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored form of one value, or ValueError with a translated message."""
    kind = definition.field_type
    if kind == CustomFieldDefinition.FieldType.TEXT:
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValueError(_("At most %(n)d characters.") % {"n": TEXT_MAX})
        return text
    if kind in (CustomFieldDefinition.FieldType.NUMBER, CustomFieldDefinition.FieldType.MONEY):
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = value if isinstance(value, Decimal) else parse_amount(str(value))
        except (ValueError, InvalidOperation):
            raise ValueError(_("Enter a number.")) from None
        if abs(number) >= Decimal("1e15"):
            raise ValueError(_("The number is too large."))
        if kind == CustomFieldDefinition.FieldType.MONEY:
            # Stored as a JSON number so filters compare amounts numerically.
            number = number.quantize(CENT)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldDefinition.FieldType.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a valid date (YYYY-MM-DD).")) from None
    if kind == CustomFieldDefinition.FieldType.CHOICE:
        text = str(value).strip()
        if text not in definition.choices:
            raise ValueError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(definition.choices)}
            )
        return text
    if kind == CustomFieldDefinition.FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on", "sim", "si", "sí"}:
            return True
        if text in {"false", "0", "no", "off", "não", "nao"}:
            return False
        raise ValueError(_("Enter yes or no."))
    raise ValueError(_("Unknown field type."))


def format_value(definition: CustomFieldDefinition, value: Any) -> str:
    """A stored value as people read it in the current language: amounts in the language's
    currency format, localised dates and numbers, yes/no."""
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
    try:
        if kind == CustomFieldDefinition.FieldType.NUMBER:
            return format_number(value)
        if kind == CustomFieldDefinition.FieldType.MONEY:
            return format_money(value)
    except (InvalidOperation, ValueError):  # a value stored before the field changed type
        return str(value)
    return str(value)


def clean_custom_data(
    kind: str, raw: dict[str, Any], *, partial_base: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(clean values, errors keyed "custom.<key>"). Unknown keys are refused, not dropped."""
    definitions = {d.key: d for d in active_definitions(kind)}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = dict(partial_base or {})
    for key, value in raw.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom.{key}"] = [_("Unknown custom field.")]
            continue
        if _empty(value):
            clean.pop(key, None)
            continue
        try:
            clean[key] = clean_value(definition, value)
        except ValueError as exc:
            errors[f"custom.{key}"] = [str(exc)]
    for key, definition in definitions.items():
        if definition.required and _empty(clean.get(key)) and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = [_("This field is required.")]
    return clean, errors
