"""Forms of the customers' custom field settings pages (administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vinculo.accounts.forms import VersionedForm
from vinculo.customers.models import CustomFieldDefinition


class CustomFieldForm(VersionedForm):
    label = forms.CharField(label=_("Label"), max_length=100)
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldDefinition.FieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. Required for the “Choice” type."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    applies_to = forms.ChoiceField(
        label=_("Applies to"), choices=CustomFieldDefinition.AppliesTo.choices
    )
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("Fields are shown in increasing position."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive fields are hidden from forms; saved values are kept."),
    )


class CustomFieldCreateForm(CustomFieldForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_(
            "A short name used by the API and imports, e.g. “shoe_size”. "
            "It cannot be changed later."
        ),
    )

    field_order = ["key", "label", "field_type", "choices"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["version"]


def custom_field_initial(definition: CustomFieldDefinition) -> dict[str, Any]:
    return {
        "label": definition.label,
        "field_type": definition.field_type,
        "choices": "\n".join(definition.choices or []),
        "required": definition.required,
        "applies_to": definition.applies_to,
        "position": definition.position,
        "is_active": definition.is_active,
        "version": definition.version,
    }
