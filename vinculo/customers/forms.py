"""Page forms for customers. They only shape input into `services.CustomerData`; the rules
live in the service, whose field errors are mapped back onto these fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from vinculo.core import dates
from vinculo.core.errors import DomainError, ValidationFailed
from vinculo.core.tagging.forms import add_custom_fields, custom_initial, custom_values
from vinculo.core.web import add_domain_errors
from vinculo.customers.models import ContactPoint, Customer, CustomFieldDefinition
from vinculo.customers.normalize import (
    format_phone,
    format_tax_id,
    normalize_email,
    normalize_phone,
)
from vinculo.customers.services import POINTS_MAX, AddressIn, ContactIn, CustomerData

EXTRA_ROWS = {"email": 3, "phone": 3, "social": 2, "address": 1}
ADDRESS_PARTS = ("label", "line1", "line2", "district", "city", "region", "postal_code", "country")
_ROW_KEY = re.compile(r"^(email|phone|social|address)_(\d+)(?:_[a-z0-9_]+)?$")


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


def _posted_rows(data: Mapping[str, Any]) -> dict[str, int]:
    """How many rows of each repeated group a submitted form carried."""
    counts: dict[str, int] = {}
    for key in data:
        match = _ROW_KEY.match(key)
        if match:
            group, index = match.group(1), int(match.group(2))
            if index < POINTS_MAX:
                counts[group] = max(counts.get(group, 0), index + 1)
    return counts


def set_choices(field: forms.Field, choices: list[tuple[Any, Any]]) -> None:
    """Give a choice field its options at runtime (users, blank entries)."""
    cast(forms.ChoiceField, field).choices = choices


class CustomerForm(forms.Form):
    """Create or edit one customer, with repeated rows for emails, phones, socials, addresses
    and one field per active custom field definition."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Type"), choices=Customer.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    # Chosen through the search-powered chooser (radio buttons), never a <select> of all rows.
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    birth_date = dates.DateField(label=_("Birth date"), required=False)
    stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=Customer.Stage.choices)
    source = forms.ChoiceField(label=_("Source"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False)
    tax_id = forms.CharField(label=_("Tax id"), max_length=30, required=False)
    tax_id_type = forms.ChoiceField(label=_("Tax id type"), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separate tags with commas."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea, max_length=10000
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        definitions: list[CustomFieldDefinition],
        owners: list[Any] | None,
        customer: Customer | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial, label_suffix="")
        self.customer = customer
        self.definitions = definitions
        # Show only the fields that apply to the chosen type (people: organization, job title,
        # birth date, person-only custom fields); the server ignores the others anyway.
        self.fields["kind"].widget.attrs["hx-on:change"] = (
            "document.querySelectorAll('#customer-form [data-applies]').forEach("
            "(el) => { el.hidden = el.dataset.applies !== this.value; })"
        )
        set_choices(self.fields["source"], _blank(Customer.Source.choices))
        set_choices(
            self.fields["tax_id_type"],
            _blank(Customer.TaxIdType.choices, _("Detect automatically")),
        )
        if owners is None:
            del self.fields["owner"]
        else:
            set_choices(self.fields["owner"], [(u.pk, str(u)) for u in owners])
        posted = _posted_rows(data or {})
        existing = _existing_rows(customer) if customer else {}
        self.rows: dict[str, int] = {}
        for group, extra in EXTRA_ROWS.items():
            have = len(existing.get(group, []))
            self.rows[group] = min(POINTS_MAX, max(posted.get(group, 0), have + extra))
        self._add_row_fields()
        self._add_custom_fields()

    # --- dynamic fields -------------------------------------------------------------

    def _add_row_fields(self) -> None:
        labels = _blank(ContactPoint.Label.choices, _("Label"))
        for i in range(self.rows["email"]):
            self.fields[f"email_{i}"] = forms.CharField(
                label=_("Email"),
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"email_label_{i}"] = forms.ChoiceField(
                label=_("Label"), choices=labels, required=False
            )
        for i in range(self.rows["phone"]):
            self.fields[f"phone_{i}"] = forms.CharField(
                label=_("Phone"),
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            )
            self.fields[f"phone_label_{i}"] = forms.ChoiceField(
                label=_("Label"), choices=labels, required=False
            )
        for i in range(self.rows["social"]):
            self.fields[f"social_platform_{i}"] = forms.ChoiceField(
                label=_("Network"),
                choices=_blank(ContactPoint.Platform.choices),
                required=False,
            )
            self.fields[f"social_{i}"] = forms.CharField(
                label=_("Handle"), required=False, max_length=100
            )
        part_labels = {
            "label": (_("Label"), 40),
            "line1": (_("Street and number"), 200),
            "line2": (_("Complement"), 200),
            "district": (_("District"), 100),
            "city": (_("City"), 100),
            "region": (_("State / region"), 100),
            "postal_code": (_("Postal code"), 20),
            "country": (_("Country (2 letters)"), 2),
        }
        for i in range(self.rows["address"]):
            for part in ADDRESS_PARTS:
                label, size = part_labels[part]
                self.fields[f"address_{i}_{part}"] = forms.CharField(
                    label=label, required=False, max_length=size
                )

    def _add_custom_fields(self) -> None:
        # One `cf_<key>` field per definition (core.tagging); required-ness depends on the
        # customer's kind, so the service checks it.
        add_custom_fields(self, self.definitions)

    # --- groups for templates -------------------------------------------------------

    def email_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"email_{i}"], self[f"email_label_{i}"]) for i in range(self.rows["email"])]

    def phone_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"phone_{i}"], self[f"phone_label_{i}"]) for i in range(self.rows["phone"])]

    def social_rows(self) -> list[tuple[Any, Any]]:
        return [
            (self[f"social_platform_{i}"], self[f"social_{i}"]) for i in range(self.rows["social"])
        ]

    def address_rows(self) -> list[list[Any]]:
        return [
            [self[f"address_{i}_{part}"] for part in ADDRESS_PARTS]
            for i in range(self.rows["address"])
        ]

    def custom_fields(self) -> list[tuple[CustomFieldDefinition, Any]]:
        return [(d, self[f"cf_{d.key}"]) for d in self.definitions]

    # --- validation -----------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        """Point each invalid email/phone at its own row (the service reports them by group)."""
        cleaned = super().clean() or {}
        for group, check in (("email", normalize_email), ("phone", normalize_phone)):
            for i in range(self.rows[group]):
                value = (cleaned.get(f"{group}_{i}") or "").strip()
                if value:
                    try:
                        check(value)
                    except ValidationError as exc:
                        self.add_error(f"{group}_{i}", exc.messages[0])
        return cleaned

    def to_data(self) -> CustomerData:
        """The service input; on edit every field is sent, so empty values clear.

        Also called on a form Django refused: fields it could not read are left out (they
        have their error already) and the service checks all the others."""
        cd = self.cleaned_data
        kind = cd.get("kind") or Customer.Kind.PERSON
        data = CustomerData(
            kind=kind,
            name=cd.get("name"),
            job_title=cd.get("job_title") or "",
            stage=cd.get("stage") or None,
            source=cd.get("source") or "",
            tax_id=cd.get("tax_id") or "",
            tax_id_type=cd.get("tax_id_type") or "",
            notes=cd.get("notes") or "",
            tags=[t.strip() for t in (cd.get("tags") or "").split(",") if t.strip()],
        )
        if kind == Customer.Kind.PERSON and cd.get("organization"):
            data.organization_id = cd["organization"]
        else:
            data.cleared.add("organization")
        if kind == Customer.Kind.PERSON and cd.get("birth_date"):
            data.birth_date = cd["birth_date"]
        else:
            data.cleared.add("birth_date")
        if "owner" in self.fields and cd.get("owner"):
            data.owner_id = cd["owner"]
        data.emails = [
            ContactIn(value=cd[f"email_{i}"].strip(), label=cd.get(f"email_label_{i}") or "")
            for i in range(self.rows["email"])
            if (cd.get(f"email_{i}") or "").strip()
        ]
        data.phones = [
            ContactIn(value=cd[f"phone_{i}"].strip(), label=cd.get(f"phone_label_{i}") or "")
            for i in range(self.rows["phone"])
            if (cd.get(f"phone_{i}") or "").strip()
        ]
        data.socials = [
            ContactIn(
                value=cd[f"social_{i}"].strip(), platform=cd.get(f"social_platform_{i}") or ""
            )
            for i in range(self.rows["social"])
            if (cd.get(f"social_{i}") or "").strip()
        ]
        data.addresses = []
        self._address_rows_sent: list[int] = []
        for i in range(self.rows["address"]):
            parts = {p: (cd.get(f"address_{i}_{p}") or "").strip() for p in ADDRESS_PARTS}
            if not any(v for k, v in parts.items() if k != "country"):
                continue
            self._address_rows_sent.append(i)
            data.addresses.append(
                AddressIn(
                    line1=parts["line1"],
                    city=parts["city"],
                    line2=parts["line2"],
                    district=parts["district"],
                    region=parts["region"],
                    postal_code=parts["postal_code"],
                    country=parts["country"] or "BR",
                    label=parts["label"],
                )
            )
        data.custom = custom_values(cd, self.definitions, kind, skip=self.errors)
        self._sent_points = {
            "emails": [i for i in range(self.rows["email"]) if cd.get(f"email_{i}")],
            "phones": [i for i in range(self.rows["phone"]) if cd.get(f"phone_{i}")],
            "socials": [i for i in range(self.rows["social"]) if cd.get(f"social_{i}")],
        }
        return data

    def add_service_errors(self, exc: DomainError, *, besides_own: bool = False) -> None:
        """Show a service's errors ("emails", "custom.<key>", "addresses.0.city") on fields.

        `besides_own`: the form's own checks failed already; add only the service's errors
        on fields that have none, so nothing is reported twice. A taken tax id links to
        the customer who has it when the user may see them."""
        field_map: dict[str, str] = {}
        sent = getattr(self, "_sent_points", {})
        rows = {"emails": "email_{}", "phones": "phone_{}", "socials": "social_{}"}
        for name in exc.errors:
            if name in rows:
                first = (sent.get(name) or [0])[0]
                field_map[name] = rows[name].format(first)
            elif name.startswith("custom."):
                field_map[name] = f"cf_{name.split('.', 1)[1]}"
            elif name.startswith("addresses."):
                _prefix, position, part = (name.split(".") + ["", ""])[:3]
                sent_rows = getattr(self, "_address_rows_sent", [])
                index = int(position) if position.isdigit() else 0
                row = sent_rows[index] if index < len(sent_rows) else index
                field_map[name] = f"address_{row}_{part}"
        errors = dict(exc.errors)
        if besides_own:
            errors = {
                name: messages
                for name, messages in errors.items()
                if field_map.get(name, name.split(".")[0]) not in self.errors
            }
        holder = getattr(exc, "tax_id_holder", None)
        if holder is not None and "tax_id" in errors:
            errors["tax_id"] = [
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Another customer already has this tax id:"),
                    reverse("customers:detail", args=[holder.pk]),
                    holder.name,
                )
            ]
        if errors or not besides_own:
            add_domain_errors(self, ValidationFailed(exc.message, errors=errors), field_map)


def _existing_rows(customer: Customer) -> dict[str, list[Any]]:
    """The customer's stored contact points (primary first) and addresses, loaded once."""
    cached = getattr(customer, "_form_rows", None)
    if cached is not None:
        return cached
    points = sorted(customer.contact_points.all(), key=lambda p: (not p.is_primary, p.position))
    customer._form_rows = {  # type: ignore[attr-defined]
        "email": [p for p in points if p.kind == ContactPoint.Kind.EMAIL],
        "phone": [p for p in points if p.kind == ContactPoint.Kind.PHONE],
        "social": [p for p in points if p.kind == ContactPoint.Kind.SOCIAL],
        "address": list(customer.addresses.all()),
    }
    return customer._form_rows  # type: ignore[attr-defined]


def initial_from(customer: Customer, definitions: list[CustomFieldDefinition]) -> dict[str, Any]:
    """Form values showing the customer as stored now (also after a stale save)."""
    initial: dict[str, Any] = {
        "version": customer.version,
        "kind": customer.kind,
        "name": customer.name,
        "organization": customer.organization_id,
        "job_title": customer.job_title,
        "birth_date": customer.birth_date,
        "stage": customer.stage,
        "source": customer.source,
        "owner": customer.owner_id,
        "tax_id": format_tax_id(customer.tax_id_type, customer.tax_id) if customer.tax_id else "",
        "tax_id_type": customer.tax_id_type,
        "tags": ", ".join(sorted(t.name for t in customer.tags.all())),
        "notes": customer.notes,
    }
    rows = _existing_rows(customer)
    for i, p in enumerate(rows["email"]):
        initial[f"email_{i}"], initial[f"email_label_{i}"] = p.value, p.label
    for i, p in enumerate(rows["phone"]):
        initial[f"phone_{i}"], initial[f"phone_label_{i}"] = format_phone(p.value), p.label
    for i, p in enumerate(rows["social"]):
        platform, _sep, handle = p.value.partition(":")
        initial[f"social_platform_{i}"], initial[f"social_{i}"] = platform, handle
    for i, a in enumerate(rows["address"]):
        for part in ADDRESS_PARTS:
            initial[f"address_{i}_{part}"] = getattr(a, part)
    initial.update(custom_initial(customer.custom_data, definitions))
    return initial


class DeleteForm(forms.Form):
    """The confirmation of a delete, carrying the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
