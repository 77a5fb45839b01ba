"""How customer changes read in History (see core.history): tax ids and phones as people
write them, custom fields by their label with values formatted by type."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vinculo.core.history import EMPTY, Expander, HistoryFormat, plain
from vinculo.customers.custom_fields import format_value
from vinculo.customers.models import ContactPoint, Customer, CustomFieldDefinition
from vinculo.customers.normalize import format_phone, format_tax_id, normalize_tax_id


def _tax_id(value: Any) -> str:
    """ "11144477735" → "111.444.777-35": the type is read from the number itself."""
    try:
        kind, number = normalize_tax_id(str(value))
    except ValidationError:
        return str(value)
    return format_tax_id(kind, number)


def _phone(value: Any) -> str:
    return format_phone(str(value))


def _social(value: Any) -> str:
    """ "instagram:ana" → "Instagram: ana"."""
    platform, _sep, handle = str(value).partition(":")
    label = dict(ContactPoint.Platform.choices).get(platform, platform)
    return f"{label}: {handle}" if handle else str(value)


def _custom_fields() -> Expander:
    """One line per changed custom field, labelled and formatted by its definition (also
    inactive ones); a key whose definition was deleted shows as stored."""
    definitions = {d.key: d for d in CustomFieldDefinition.objects.all()}

    def show(key: str, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        definition = definitions.get(key)
        return format_value(definition, value) if definition else plain(value)

    def expand(before: Any, after: Any) -> list[tuple[str, str, str]]:
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
        order = {key: (d.position, d.pk) for key, d in definitions.items()}
        keys.sort(key=lambda k: (order.get(k, (10**6, 0)), k))
        return [
            (
                definitions[k].label if k in definitions else k,
                show(k, old.get(k)),
                show(k, new.get(k)),
            )
            for k in keys
        ]

    return expand


FORMATS = {
    Customer: HistoryFormat(
        labels={
            "emails": _("Emails"),
            "phones": _("Phones"),
            "socials": _("Social networks"),
            "addresses": _("Addresses"),
            "tags": _("Tags"),
        },
        values={"tax_id": _tax_id, "phones": _phone, "socials": _social},
        expand={"custom_data": _custom_fields},
    ),
}
