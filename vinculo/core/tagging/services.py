"""Writers of custom field definitions (administrators only), for any model that takes
HasCustomFields. Values live in each record's `custom_data`."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from vinculo.core import persistence
from vinculo.core.errors import FieldErrors, ValidationFailed
from vinculo.core.permissions import require_capability
from vinculo.core.tagging.models import (
    ALL,
    CustomFieldDefinition,
    HasCustomFields,
    custom_field_models,
)
from vinculo.core.tagging.values import ModelOrLabel, model_label

KEY_MAX = 50
LABEL_MAX = 100
CHOICE_MAX = 100
CHOICES_MAX = 100
POSITION_MAX = 32767
# Lowercase slug: safe as a form field suffix, a JSON key and an API attribute name.
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def _require_admin(actor: Any) -> None:
    require_capability(actor, "can_manage_settings")


def parse_choices(text: str) -> list[str]:
    """Choices typed one per line, blanks dropped (forms and imports share this)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _model_class(model: ModelOrLabel) -> type[models.Model] | None:
    if isinstance(model, str):
        return custom_field_models().get(model.lower())
    return model if isinstance(model, type) else type(model)


def applies_to_choices(model: ModelOrLabel) -> list[tuple[str, Any]]:
    """The subtypes a field of `model` may be limited to, "all" first."""
    target = _model_class(model)
    return list(getattr(target, "custom_field_applies_to", HasCustomFields.custom_field_applies_to))


def _clean_choices(field_type: str, choices: list[str] | None, errors: FieldErrors) -> list[str]:
    if field_type != CustomFieldDefinition.FieldType.CHOICE:
        return []
    clean = list(dict.fromkeys(" ".join(str(c).split()) for c in (choices or []) if str(c).strip()))
    if not clean:
        errors.add("choices", _("Enter at least one choice, one per line."))
    elif len(clean) > CHOICES_MAX:
        errors.add("choices", _("At most %(n)d choices.") % {"n": CHOICES_MAX})
    elif any(len(c) > CHOICE_MAX for c in clean):
        errors.add("choices", _("Each choice has at most %(n)d characters.") % {"n": CHOICE_MAX})
    return clean


def _apply(
    definition: CustomFieldDefinition,
    errors: FieldErrors,
    *,
    label: str | None,
    field_type: str | None,
    choices: list[str] | None,
    required: bool | None,
    applies_to: str | None,
    position: int | None,
    is_active: bool | None,
) -> None:
    if label is not None:
        clean = " ".join(label.split())
        if not clean:
            errors.add("label", _("This field is required."))
        elif len(clean) > LABEL_MAX:
            errors.add("label", _("At most %(n)d characters.") % {"n": LABEL_MAX})
        definition.label = clean[:LABEL_MAX]
    if field_type is not None:
        if field_type not in CustomFieldDefinition.FieldType.values:
            errors.add("field_type", _("Choose one of the available types."))
        else:
            definition.field_type = field_type
    if choices is not None or field_type is not None:
        given = choices if choices is not None else list(definition.choices)
        definition.choices = _clean_choices(definition.field_type, given, errors)
    if required is not None:
        definition.required = bool(required)
    if applies_to is not None:
        if applies_to not in [value for value, _label in applies_to_choices(definition.model)]:
            errors.add("applies_to", _("Choose one of the available options."))
        else:
            definition.applies_to = applies_to
    if position is not None:
        if not 0 <= position <= POSITION_MAX:
            errors.add("position", _("Enter a number from 0 to %(max)d.") % {"max": POSITION_MAX})
        else:
            definition.position = position
    if is_active is not None:
        definition.is_active = bool(is_active)


def create_field(
    *,
    actor: Any,
    model: ModelOrLabel,
    key: str,
    label: str,
    field_type: str,
    choices: list[str] | None = None,
    required: bool = False,
    applies_to: str = ALL,
    position: int = 0,
    is_active: bool = True,
) -> CustomFieldDefinition:
    """Add a custom field to `model` (a model taking HasCustomFields). Its key is fixed from
    now on: stored values and API clients use it."""
    _require_admin(actor)
    errors = FieldErrors()
    target = _model_class(model)
    if target is None or not issubclass(target, HasCustomFields):
        raise ValidationFailed(errors={"model": [_("This kind of record has no custom fields.")]})
    label_lower = model_label(target)
    key = (key or "").strip().lower()
    if not key:
        errors.add("key", _("This field is required."))
    elif len(key) > KEY_MAX:
        errors.add("key", _("At most %(n)d characters.") % {"n": KEY_MAX})
    elif not KEY_RE.match(key):
        errors.add(
            "key",
            _("Use lowercase letters, digits, hyphens and underscores, starting with a letter."),
        )
    elif CustomFieldDefinition.objects.filter(model=label_lower, key=key).exists():
        errors.add("key", _("Another custom field already uses this key."))
    definition = CustomFieldDefinition(model=label_lower, key=key, field_type=field_type)
    _apply(
        definition,
        errors,
        label=label,
        field_type=field_type,
        choices=choices,
        required=required,
        applies_to=applies_to,
        position=position,
        is_active=is_active,
    )
    errors.raise_if_any()
    try:
        with transaction.atomic():
            persistence.create(definition, actor=actor)
    except IntegrityError:
        # Two administrators adding the same key at once: the unique index decides.
        raise ValidationFailed(
            errors={"key": [_("Another custom field already uses this key.")]}
        ) from None
    return definition


def update_field(
    *,
    actor: Any,
    definition: CustomFieldDefinition,
    expected_version: int | None,
    label: str | None = None,
    field_type: str | None = None,
    choices: list[str] | None = None,
    required: bool | None = None,
    applies_to: str | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> CustomFieldDefinition:
    """Change a custom field's definition; its model and key cannot change. None = unchanged."""
    _require_admin(actor)
    errors = FieldErrors()
    _apply(
        definition,
        errors,
        label=label,
        field_type=field_type,
        choices=choices,
        required=required,
        applies_to=applies_to,
        position=position,
        is_active=is_active,
    )
    errors.raise_if_any()
    with transaction.atomic():
        persistence.update(definition, actor=actor, expected_version=expected_version)
    return definition


def delete_field(
    *, actor: Any, definition: CustomFieldDefinition, expected_version: int | None
) -> None:
    """Remove a custom field definition. Values already saved stay in the records' data but
    are no longer shown; deactivating instead keeps the field for later."""
    _require_admin(actor)
    with transaction.atomic():
        persistence.delete(definition, actor=actor, expected_version=expected_version)
