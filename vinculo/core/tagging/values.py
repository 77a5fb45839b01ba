"""Custom field values and tags of any record: which fields a model has, the checks every
write goes through, and replacing a record's tags with an auditable change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from vinculo.core.dates import CODE as YEAR_CODE
from vinculo.core.dates import in_year_range, year_range_message
from vinculo.core.errors import FieldErrors, FieldMessage, field_message
from vinculo.core.money import CENT, format_money, format_number, parse_amount
from vinculo.core.tagging.models import CustomFieldDefinition, Tag
from vinculo.core.text import fold

TEXT_MAX = 1000
TAG_MAX = 60
TAGS_MAX = 30

ModelOrLabel = type[models.Model] | models.Model | str


def model_label(model: ModelOrLabel) -> str:
    """ "app_label.modelname" of a model class, instance or label (the definitions' key)."""
    if isinstance(model, str):
        return model.lower()
    return model._meta.label_lower


def definitions_for(
    model: ModelOrLabel, kind: str | None = None, *, active: bool = True
) -> list[CustomFieldDefinition]:
    """The custom fields of `model` in form order; with `kind`, those applying to it."""
    qs = CustomFieldDefinition.objects.filter(model=model_label(model))
    if active:
        qs = qs.filter(is_active=True)
    return [d for d in qs if kind is None or d.applies(kind)]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored form of one value, or ValueError with a translated message."""
    kind = definition.field_type
    types = CustomFieldDefinition.FieldType
    if kind == types.TEXT:
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValueError(_("At most %(n)d characters.") % {"n": TEXT_MAX})
        return text
    if kind in (types.NUMBER, types.MONEY):
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = value if isinstance(value, Decimal) else parse_amount(str(value))
        except (ValueError, InvalidOperation):
            raise ValueError(_("Enter a number.")) from None
        if abs(number) >= Decimal("1e15"):
            raise ValueError(_("The number is too large."))
        if kind == types.MONEY:
            # Stored as a JSON number so filters compare amounts numerically.
            number = number.quantize(CENT)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == types.DATE:
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                raise ValueError(_("Enter a valid date (YYYY-MM-DD).")) from None
        if not in_year_range(day):
            raise ValueError(FieldMessage(year_range_message(), YEAR_CODE))
        return day.isoformat()
    if kind == types.CHOICE:
        text = str(value).strip()
        if text not in definition.choices:
            raise ValueError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(definition.choices)}
            )
        return text
    if kind == types.BOOLEAN:
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
    types = CustomFieldDefinition.FieldType
    if kind == types.BOOLEAN:
        return _("Yes") if value is True else _("No")
    if kind == types.DATE:
        try:
            return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    try:
        if kind == types.NUMBER:
            return format_number(value)
        if kind == types.MONEY:
            return format_money(value)
    except (InvalidOperation, ValueError):  # a value stored before the field changed type
        return str(value)
    return str(value)


def clean_custom_data(
    model: ModelOrLabel,
    kind: str,
    raw: dict[str, Any],
    *,
    partial_base: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(clean values, errors keyed "custom.<key>") for a record of `model` of subtype `kind`
    ("" when the model has none). Unknown keys are refused, not dropped; empty values
    remove the key; `partial_base` holds the values a partial update keeps."""
    definitions = {d.key: d for d in definitions_for(model, kind)}
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
            errors[f"custom.{key}"] = [field_message(exc.args[0] if exc.args else exc)]
    for key, definition in definitions.items():
        if definition.required and _empty(clean.get(key)) and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = [_("This field is required.")]
    return clean, errors


def apply_custom_data(
    record: models.Model, raw: dict[str, Any] | None, errors: FieldErrors, *, kind: str = ""
) -> None:
    """Check `raw` (None: unchanged) and set the record's `custom_data`. A new record is
    checked even without values, so required fields are enforced on create."""
    if raw is None and record.pk:
        return
    base = record.custom_data if record.pk else {}  # type: ignore[attr-defined]
    clean, found = clean_custom_data(type(record), kind, raw or {}, partial_base=base)
    for name, messages in found.items():
        for message in messages:
            errors.add(name, message)
    if raw is not None:
        record.custom_data = clean  # type: ignore[attr-defined]


def clean_tag_names(names: list[str], errors: FieldErrors) -> list[str]:
    """Tag names as given, spaces collapsed, repeats dropped, at most TAGS_MAX (else an error
    on "tags"). Writes nothing, so a dry run of a form can use it."""
    clean = list(dict.fromkeys(" ".join(n.split())[:TAG_MAX] for n in names if n and n.strip()))
    if len(clean) > TAGS_MAX:
        errors.add("tags", _("At most %(n)d tags.") % {"n": TAGS_MAX}, code="too_long")
        return []
    return clean


def tag_objects(names: list[str]) -> list[Tag]:
    """The tags named, created when new (writes: call inside the saving transaction). A name
    joins the existing tag of the same folded form: "vip" is the tag "VIP"."""
    folded = {name: fold(name)[:TAG_MAX] for name in names}
    existing: dict[str, Tag] = {}
    for tag in Tag.objects.filter(folded__in=set(folded.values())).order_by("pk"):
        existing.setdefault(tag.folded, tag)
    tags: list[Tag] = []
    for name in names:
        tag = existing.get(folded[name]) or Tag.objects.get_or_create(name=name)[0]
        existing.setdefault(folded[name], tag)
        if tag not in tags:
            tags.append(tag)
    return tags


def set_tags(record: models.Model, tags: list[Tag]) -> dict[str, list[Any]]:
    """Replace the record's tags; returns {"tags": [before, after]} for the audit entry when
    they changed (names, sorted), else {}. Call inside the writer's transaction."""
    manager = record.tags  # type: ignore[attr-defined]
    before = sorted(t.name for t in manager.all()) if record.pk else []
    after = sorted(t.name for t in tags)
    if before == after:
        return {}
    manager.set(tags)
    return {"tags": [before, after]}


def tag_names_of(records: list[Any]) -> dict[Any, list[str]]:
    """{record id: sorted tag names} for a page of records, in one query."""
    if not records:
        return {}
    model = type(records[0])
    through = model.tags.through  # type: ignore[attr-defined]
    column = f"{model._meta.model_name}_id"
    found: dict[Any, list[str]] = {}
    rows = through.objects.filter(**{f"{column}__in": [r.pk for r in records]}).values_list(
        column, "tag__name"
    )
    for record_id, name in rows:
        found.setdefault(record_id, []).append(name)
    return {key: sorted(names) for key, names in found.items()}
