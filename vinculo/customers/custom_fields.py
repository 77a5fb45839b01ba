"""Customers' custom fields: the core machinery (vinculo.core.tagging) bound to Customer."""

from __future__ import annotations

from typing import Any

from vinculo.core.tagging import values
from vinculo.core.tagging.values import TEXT_MAX as TEXT_MAX
from vinculo.core.tagging.values import clean_value as clean_value
from vinculo.core.tagging.values import format_value as format_value
from vinculo.customers.models import Customer, CustomFieldDefinition


def active_definitions(kind: str | None = None) -> list[CustomFieldDefinition]:
    """The active custom fields of customers (of one kind, if given), in form order."""
    return values.definitions_for(Customer, kind)  # type: ignore[return-value]


def clean_custom_data(
    kind: str, raw: dict[str, Any], *, partial_base: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(clean values, errors keyed "custom.<key>") for a customer of `kind`."""
    return values.clean_custom_data(Customer, kind, raw, partial_base=partial_base)
