"""Writers of customers' custom field definitions (administrators only): the core writers
(vinculo.core.tagging.services) for the Customer model."""

from __future__ import annotations

from typing import Any

from vinculo.core.tagging import services
from vinculo.core.tagging.models import CustomFieldDefinition as FieldDefinition
from vinculo.core.tagging.services import parse_choices as parse_choices
from vinculo.customers.models import Customer, FieldAppliesTo


def create_field(
    *,
    actor: Any,
    key: str,
    label: str,
    field_type: str,
    choices: list[str] | None = None,
    required: bool = False,
    applies_to: str = FieldAppliesTo.ALL,
    position: int = 0,
    is_active: bool = True,
) -> FieldDefinition:
    """Add a custom field to customers. Its key is fixed from now on: stored values use it."""
    return services.create_field(
        actor=actor,
        model=Customer,
        key=key,
        label=label,
        field_type=field_type,
        choices=choices,
        required=required,
        applies_to=applies_to,
        position=position,
        is_active=is_active,
    )


update_field = services.update_field
delete_field = services.delete_field
