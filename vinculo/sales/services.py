"""The only writers of the catalogue: products and product groups.

Every function checks permission first, collects field errors (in the user's language,
each with a stable code), then writes in one transaction through core.persistence (audit
entry and outbox event: product.created / product.updated / product.deleted, and the same
for productgroup)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vinculo.core import persistence
from vinculo.core.errors import Conflict, FieldErrors, ValidationFailed, field_message
from vinculo.core.permissions import can, require, require_create
from vinculo.core.tagging.values import (
    apply_custom_data,
    clean_tag_names,
    set_tags,
    tag_objects,
)
from vinculo.sales.models import MONEY_DIGITS, MONEY_PLACES, Product, ProductGroup

SKU_MAX = 64
NAME_MAX = 200
GROUP_NAME_MAX = 120
MAX_AMOUNT = Decimal(10 ** (MONEY_DIGITS - MONEY_PLACES)) - Decimal("0.01")


class GroupNotEmpty(Conflict):
    """A group that still holds products or subgroups cannot be deleted."""

    code = "group_not_empty"


def normalize_sku(raw: str) -> str:
    """A SKU as stored: spaces around it dropped, inner runs of spaces made one, upper case."""
    return " ".join((raw or "").split()).upper()


@dataclass
class ProductData:
    """Input of create/update; None leaves a field as it is (or at its default on create)."""

    sku: str | None = None
    name: str | None = None
    group_id: int | None = None
    clear_group: bool = False
    kind: str | None = None
    list_price: Any = None
    unit_cost: Any = None
    clear_unit_cost: bool = False
    currency: str | None = None
    active: bool | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None


def _amount(value: Any, field: str, errors: FieldErrors) -> Decimal | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter an amount, e.g. 12.50."), code="invalid")
        return None
    if not amount.is_finite():
        errors.add(field, _("Enter an amount, e.g. 12.50."), code="invalid")
        return None
    if amount < 0:
        errors.add(field, _("The amount cannot be negative."), code="negative")
        return None
    if amount > MAX_AMOUNT:
        errors.add(field, _("The amount is too large."), code="out_of_range")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(field, _("Use at most two decimal places."), code="invalid")
        return None
    return amount


def _sku_taken(sku: str, product: Product) -> bool:
    return Product.objects.filter(sku=sku).exclude(pk=product.pk).exists()


def _apply(product: Product, data: ProductData, errors: FieldErrors) -> None:
    creating = product.pk is None
    if data.sku is not None or creating:
        sku = normalize_sku(data.sku or "")
        if not sku:
            errors.add("sku", _("Enter the SKU."), code="required")
        elif len(sku) > SKU_MAX:
            errors.add("sku", _("At most %(n)d characters.") % {"n": SKU_MAX}, code="too_long")
        elif _sku_taken(sku, product):
            errors.add("sku", _("Another product already has this SKU."), code="duplicate")
        else:
            product.sku = sku
    if data.name is not None or creating:
        name = " ".join((data.name or "").split())
        if not name:
            errors.add("name", _("Enter the name."), code="required")
        elif len(name) > NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": NAME_MAX}, code="too_long")
        else:
            product.name = name
    if data.clear_group:
        product.group = None
    elif data.group_id is not None:
        group = ProductGroup.objects.filter(pk=data.group_id).first()
        if group is None:
            errors.add("group", _("Choose an existing product group."), code="not_found")
        else:
            product.group = group
    if data.kind is not None:
        if data.kind not in Product.Kind.values:
            errors.add("kind", _("Choose product or service."), code="invalid_choice")
        else:
            product.kind = data.kind
    if data.list_price is not None:
        price = _amount(data.list_price, "list_price", errors)
        if price is not None:
            product.list_price = price
    elif creating:
        errors.add("list_price", _("Enter the list price."), code="required")
    if data.clear_unit_cost:
        product.unit_cost = None
    elif data.unit_cost is not None:
        cost = _amount(data.unit_cost, "unit_cost", errors)
        if cost is not None:
            product.unit_cost = cost
    if data.currency is not None:
        currency = data.currency.strip().upper()
        if currency not in settings.CURRENCIES:
            errors.add(
                "currency",
                _("Choose one of: %(list)s.") % {"list": ", ".join(settings.CURRENCIES)},
                code="unknown_currency",
            )
        else:
            product.currency = currency
    if data.active is not None:
        product.active = bool(data.active)
    apply_custom_data(product, data.custom, errors, kind=product.kind)


def _check(product: Product, data: ProductData) -> list[str] | None:
    errors = FieldErrors()
    _apply(product, data, errors)
    tag_names = clean_tag_names(data.tags, errors) if data.tags is not None else None
    errors.raise_if_any()
    return tag_names


def _duplicate_sku() -> ValidationFailed:
    message = field_message(_("Another product already has this SKU."), "duplicate")
    return ValidationFailed(errors={"sku": [message]})


def create_product(*, actor: Any, data: ProductData) -> Product:
    """Add a product to the catalogue (event product.created)."""
    require_create(actor, Product)
    product = Product()
    tag_names = _check(product, data)
    try:
        with transaction.atomic():
            tags = tag_objects(tag_names) if tag_names else None

            def related(p: Product) -> dict[str, list[Any]]:
                return set_tags(p, tags) if tags else {}

            persistence.create(product, actor=actor, save_related=related)
    except IntegrityError as exc:  # two saves raced past the SKU check
        raise _duplicate_sku() from exc
    return product


def update_product(
    *, actor: Any, product: Product, data: ProductData, expected_version: int | None
) -> Product:
    """Change the fields set in `data` if the version still matches (else StaleVersion)."""
    require(actor, "change", product)
    tag_names = _check(product, data)
    try:
        with transaction.atomic():
            changes = set_tags(product, tag_objects(tag_names)) if tag_names is not None else {}
            persistence.update(
                product, actor=actor, expected_version=expected_version, related_changes=changes
            )
    except IntegrityError as exc:
        raise _duplicate_sku() from exc
    return product


def delete_product(*, actor: Any, product: Product, expected_version: int | None) -> None:
    """Remove a product from the catalogue (event product.deleted)."""
    require(actor, "delete", product)
    with transaction.atomic():
        persistence.delete(product, actor=actor, expected_version=expected_version)


# --- groups ----------------------------------------------------------------------------------


def _ancestor_ids(group: ProductGroup | None) -> list[int]:
    """The ids from `group` up to its top-level group (one query per level; groups are few
    and shallow)."""
    found: list[int] = []
    while group is not None and group.pk not in found:
        found.append(group.pk)
        group = group.parent
    return found


def _clean_group(
    group: ProductGroup,
    *,
    name: str | None,
    parent_id: int | None,
    move: bool,
    errors: FieldErrors,
) -> None:
    if name is not None or group.pk is None:
        clean = " ".join((name or "").split())
        if not clean:
            errors.add("name", _("Enter the name."), code="required")
        elif len(clean) > GROUP_NAME_MAX:
            errors.add(
                "name", _("At most %(n)d characters.") % {"n": GROUP_NAME_MAX}, code="too_long"
            )
        else:
            group.name = clean
    if move:
        parent = None
        if parent_id is not None:
            parent = ProductGroup.objects.filter(pk=parent_id).first()
            if parent is None:
                errors.add("parent", _("Choose an existing product group."), code="not_found")
                return
            if group.pk is not None and group.pk in _ancestor_ids(parent):
                errors.add(
                    "parent",
                    _("A group cannot be placed inside itself or one of its subgroups."),
                    code="cycle",
                )
                return
        group.parent = parent
    if group.name and "name" not in errors.by_field:
        siblings = ProductGroup.objects.filter(parent=group.parent, name__iexact=group.name)
        if siblings.exclude(pk=group.pk).exists():
            errors.add(
                "name", _("This group already has a subgroup of that name."), code="duplicate"
            )


def create_group(*, actor: Any, name: str, parent_id: int | None = None) -> ProductGroup:
    """A new product group, at the top or inside `parent_id`."""
    require_create(actor, ProductGroup)
    group = ProductGroup()
    errors = FieldErrors()
    _clean_group(group, name=name, parent_id=parent_id, move=True, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        persistence.create(group, actor=actor)
    return group


def update_group(
    *,
    actor: Any,
    group: ProductGroup,
    expected_version: int | None,
    name: str | None = None,
    parent_id: int | None = None,
    move: bool = False,
) -> ProductGroup:
    """Rename a group and/or move it under another (`move`, `parent_id` None: to the top).
    Refuses cycles: a group never lands inside itself or its own subgroups."""
    require(actor, "change", group)
    errors = FieldErrors()
    _clean_group(group, name=name, parent_id=parent_id, move=move, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        persistence.update(group, actor=actor, expected_version=expected_version)
    return group


def delete_group(*, actor: Any, group: ProductGroup, expected_version: int | None) -> None:
    """Delete an empty group; one holding products or subgroups is refused (409)."""
    require(actor, "delete", group)
    if group.children.exists() or group.products.exists():
        raise GroupNotEmpty(_("Move or delete its products and subgroups first."))
    with transaction.atomic():
        persistence.delete(group, actor=actor, expected_version=expected_version)


def may_edit_catalogue(user: Any) -> bool:
    """Whether `user` may change the catalogue (pages show the edit buttons)."""
    return can(user, "change", Product())
