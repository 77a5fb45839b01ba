"""Page forms of the catalogue: a product, a product group."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vinculo.core.money import parse_amount
from vinculo.core.tagging.forms import TagsField, add_custom_fields, custom_initial, custom_values
from vinculo.core.tagging.forms import tags_initial as _tags_initial
from vinculo.core.tagging.values import definitions_for
from vinculo.sales.models import Product, ProductGroup
from vinculo.sales.services import GROUP_NAME_MAX, NAME_MAX, ProductData


def _amount(text: str | None) -> str:
    """An amount as a person types it ("1.234,50" in pt-BR) as the service reads it; text
    that is no number goes on unchanged, for the service to refuse."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        return str(parse_amount(text))
    except ValueError:
        return text


def group_choices(tree: list[tuple[ProductGroup, int]]) -> list[tuple[Any, str]]:
    """The groups indented by depth, for a select ("Tools", "— Power")."""
    return [("", "—")] + [(g.pk, f"{'— ' * depth}{g.name}") for g, depth in tree]


class ProductForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sku = forms.CharField(label=_("SKU"), max_length=128)
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX * 2)
    group = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("Type"), choices=Product.Kind.choices)
    list_price = forms.CharField(label=_("List price"), max_length=40)
    unit_cost = forms.CharField(label=_("Unit cost"), max_length=40, required=False)
    currency = forms.ChoiceField(label=_("Currency"))
    active = forms.BooleanField(label=_("Active (can be sold)"), required=False, initial=True)
    tags = TagsField()

    def __init__(self, *args: Any, groups: list[tuple[ProductGroup, int]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = group_choices(groups)  # type: ignore[attr-defined]
        self.fields["currency"].choices = [(c, c) for c in settings.CURRENCIES]  # type: ignore[attr-defined]
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        self.definitions = definitions_for(Product)
        add_custom_fields(self, self.definitions)

    def to_data(self) -> ProductData:
        # Also called on a form Django refused (a dry run): unreadable fields are None,
        # which the service leaves unchanged.
        cd = self.cleaned_data
        data = ProductData(
            sku=cd.get("sku"),
            name=cd.get("name"),
            kind=cd.get("kind"),
            list_price=_amount(cd.get("list_price")) or None,
            currency=cd.get("currency"),
            active=cd.get("active") if "active" not in self.errors else None,
            tags=cd.get("tags") if "tags" not in self.errors else None,
        )
        if "group" not in self.errors:
            if cd.get("group"):
                data.group_id = cd["group"]
            else:
                data.clear_group = True
        if "unit_cost" not in self.errors:
            cost = _amount(cd.get("unit_cost"))
            if cost:
                data.unit_cost = cost
            else:
                data.clear_unit_cost = True
        kind = cd.get("kind") or ""
        data.custom = custom_values(cd, self.definitions, kind, skip=self.errors)
        return data

    @property
    def custom_fields(self) -> list[Any]:
        return [self[f"cf_{d.key}"] for d in self.definitions]


def product_initial(product: Product) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "version": product.version,
        "sku": product.sku,
        "name": product.name,
        "group": product.group_id,
        "kind": product.kind,
        "list_price": product.list_price,
        "unit_cost": "" if product.unit_cost is None else product.unit_cost,
        "currency": product.currency,
        "active": product.active,
        "tags": _tags_initial(product),
    }
    initial.update(custom_initial(product.custom_data, definitions_for(Product)))
    return initial


class GroupForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=GROUP_NAME_MAX * 2)
    parent = forms.TypedChoiceField(
        label=_("Inside group"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, groups: list[tuple[ProductGroup, int]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = group_choices(groups)  # type: ignore[attr-defined]
