"""Form fields for tags and custom fields, for any model's page form: one `cf_<key>` field
per definition, a comma-separated tags field, and the conversions both ways."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vinculo.core import dates
from vinculo.core.tagging.filters import CUSTOM_PREFIX
from vinculo.core.tagging.models import CustomFieldDefinition


def _blank(choices: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


def field_name(definition: CustomFieldDefinition) -> str:
    return f"{CUSTOM_PREFIX}{definition.key}"


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """The input for one custom field. Never required here: whether a value is needed
    can depend on the record's subtype, which the service checks."""
    types = CustomFieldDefinition.FieldType
    field: forms.Field
    if definition.field_type == types.DATE:
        field = dates.DateField(required=False)
    elif definition.field_type == types.CHOICE:
        field = forms.ChoiceField(
            required=False, choices=_blank([(c, c) for c in definition.choices])
        )
    elif definition.field_type == types.BOOLEAN:
        field = forms.ChoiceField(
            required=False, choices=_blank([("true", _("Yes")), ("false", _("No"))])
        )
    elif definition.field_type in (types.NUMBER, types.MONEY):
        field = forms.CharField(
            required=False, max_length=40, widget=forms.TextInput({"inputmode": "decimal"})
        )
    else:
        field = forms.CharField(required=False, max_length=1000)
    field.label = definition.label
    return field


def add_custom_fields(form: forms.Form, definitions: Sequence[CustomFieldDefinition]) -> None:
    """Add a `cf_<key>` field to `form` for each definition, in order."""
    for definition in definitions:
        form.fields[field_name(definition)] = custom_form_field(definition)


def custom_initial(
    custom_data: dict[str, Any], definitions: Sequence[CustomFieldDefinition]
) -> dict[str, Any]:
    """Initial form values for stored custom data (booleans as the choice values)."""
    initial: dict[str, Any] = {}
    for definition in definitions:
        value = custom_data.get(definition.key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[field_name(definition)] = value
    return initial


def custom_values(
    cleaned_data: dict[str, Any],
    definitions: Sequence[CustomFieldDefinition],
    kind: str = "",
    *,
    skip: Container[str] = (),
) -> dict[str, Any]:
    """The service input {key: value} from a form: every field applying to `kind` is sent
    ("" clears it), so a page edit can empty a value. Fields named in `skip` (those the form
    itself refused, when a dry run asks the service for its other errors) are left out."""
    values: dict[str, Any] = {}
    for definition in definitions:
        if (kind and not definition.applies(kind)) or field_name(definition) in skip:
            continue
        value = cleaned_data.get(field_name(definition))
        values[definition.key] = "" if value is None else value
    return values


class TagsField(forms.CharField):
    """Tags typed as one comma-separated text; cleans to a list of names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().clean(value)
        return [t.strip() for t in text.split(",") if t.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


def tags_initial(record: Any) -> str:
    """The record's tags as the tags field shows them."""
    return ", ".join(sorted(t.name for t in record.tags.all()))
