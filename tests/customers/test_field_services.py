"""Custom field definitions (vinculo/customers/field_services.py), managed from settings."""

from __future__ import annotations

import pytest

from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.models import AuditEntry
from vinculo.customers.custom_fields import clean_custom_data
from vinculo.customers.field_services import create_field, delete_field, update_field
from vinculo.customers.models import CustomFieldDefinition


def test_create_choice_field_then_values_are_checked_against_it(admin):
    field = create_field(
        actor=admin,
        key="Shoe_Size",
        label=" Shoe  size ",
        field_type="choice",
        choices=["38", "39", "39", " "],
        applies_to="person",
    )
    assert (field.key, field.label, field.choices) == ("shoe_size", "Shoe size", ["38", "39"])
    _clean, errors = clean_custom_data("person", {"shoe_size": "45"})
    assert "custom.shoe_size" in errors
    entry = AuditEntry.objects.get(model="core.customfielddefinition")
    assert entry.action == "create" and entry.changes["key"] == [None, "shoe_size"]


def test_create_refuses_bad_keys_missing_choices_and_duplicates(admin):
    create_field(actor=admin, key="vip", label="VIP", field_type="boolean")
    with pytest.raises(ValidationFailed) as err:
        create_field(actor=admin, key="VIP", label="", field_type="choice", choices=[])
    assert set(err.value.errors) == {"key", "label", "choices"}
    with pytest.raises(ValidationFailed) as err:
        create_field(actor=admin, key="9 lives!", label="X", field_type="color")
    assert set(err.value.errors) == {"key", "field_type"}
    assert CustomFieldDefinition.objects.count() == 1


def test_update_keeps_the_key_and_checks_the_version(admin):
    field = create_field(actor=admin, key="segment", label="Segment", field_type="text")
    update_field(
        actor=admin,
        definition=CustomFieldDefinition.objects.get(pk=field.pk),
        expected_version=1,
        label="Market segment",
        field_type="choice",
        choices=["retail", "b2b"],
        required=True,
    )
    fresh = CustomFieldDefinition.objects.get(pk=field.pk)
    assert fresh.key == "segment" and fresh.label == "Market segment"
    assert fresh.choices == ["retail", "b2b"] and fresh.required and fresh.version == 2
    with pytest.raises(StaleVersion):
        update_field(
            actor=admin,
            definition=CustomFieldDefinition.objects.get(pk=field.pk),
            expected_version=1,
            label="Old tab",
        )
    assert CustomFieldDefinition.objects.get(pk=field.pk).label == "Market segment"


def test_changing_type_away_from_choice_drops_choices(admin):
    field = create_field(actor=admin, key="tier", label="Tier", field_type="choice", choices=["a"])
    update_field(actor=admin, definition=field, expected_version=None, field_type="text")
    assert CustomFieldDefinition.objects.get(pk=field.pk).choices == []


def test_only_admins_manage_fields_and_delete_is_audited(admin, owner):
    with pytest.raises(NotAllowed):
        create_field(actor=owner, key="x", label="X", field_type="text")
    field = create_field(actor=admin, key="x", label="X", field_type="text")
    with pytest.raises(NotAllowed):
        update_field(actor=owner, definition=field, expected_version=None, label="Y")
    with pytest.raises(NotAllowed):
        delete_field(actor=owner, definition=field, expected_version=None)
    delete_field(actor=admin, definition=field, expected_version=1)
    assert not CustomFieldDefinition.objects.exists()
    assert AuditEntry.objects.filter(model="core.customfielddefinition", action="delete").exists()
