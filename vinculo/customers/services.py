"""Writers of customers: every page, API call, import and job changes customers through here."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vinculo.core import persistence
from vinculo.core.errors import FieldErrors, ValidationFailed, django_messages
from vinculo.core.permissions import can, require, require_create, restrict
from vinculo.core.tagging.models import Tag
from vinculo.core.tagging.values import (
    apply_custom_data,
    clean_tag_names,
    set_tags,
    tag_objects,
)
from vinculo.customers import search
from vinculo.customers.models import Address, ContactPoint, Customer
from vinculo.customers.normalize import fold, normalize_email, normalize_phone, normalize_tax_id

NAME_MAX = 200
POINTS_MAX = 20
# Domain events this app names itself (docs/development/events.md); others are generic.
OWNER_CHANGED = "customer.owner_changed"


@dataclass
class ContactIn:
    value: str
    label: str = ""
    platform: str = ""
    is_primary: bool = False


@dataclass
class AddressIn:
    line1: str
    city: str
    line2: str = ""
    district: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "BR"
    label: str = ""


@dataclass
class CustomerData:
    """Everything a customer form or API call may set. `None` means "leave unchanged"
    on update (PATCH); on create it means the default."""

    kind: str | None = None
    name: str | None = None
    organization_id: int | None = None
    job_title: str | None = None
    birth_date: dt.date | None = None
    stage: str | None = None
    source: str | None = None
    owner_id: int | None = None
    tax_id: str | None = None
    tax_id_type: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    emails: list[ContactIn] | None = None
    phones: list[ContactIn] | None = None
    socials: list[ContactIn] | None = None
    addresses: list[AddressIn] | None = None
    # Fields explicitly sent as empty/null (to clear organization, birth date or owner).
    cleared: set[str] = field(default_factory=set)


class CustomerInvalid(ValidationFailed):
    """Field errors of a customer, plus the customer who already has the tax id when the
    actor may see them (pages link to it; the API reports the field error alone)."""

    def __init__(
        self, *, errors: dict[str, list[str]], tax_id_holder: Customer | None = None
    ) -> None:
        super().__init__(errors=errors)
        self.tax_id_holder = tax_id_holder


def _tax_id_holder(customer: Customer) -> Customer | None:
    """Another customer with the same normalised tax id (an index lookup), if any."""
    if not customer.tax_id:
        return None
    return (
        Customer.objects.filter(tax_id=customer.tax_id)
        .exclude(pk=customer.pk)
        .only("pk", "name", "owner_id")
        .order_by("pk")
        .first()
    )


def _tax_id_error(holder: Customer, actor: Any, errors: FieldErrors) -> Customer | None:
    """Report the clash; name (and return) the holder only if the actor may see them."""
    if can(actor, "view", holder):
        errors.add(
            "tax_id",
            _("Another customer already has this tax id: %(name)s.") % {"name": holder.name},
            code="taken",
        )
        return holder
    errors.add(
        "tax_id",
        _(
            "Another customer already has this tax id, in records you cannot see. "
            "Ask an administrator to find it."
        ),
        code="taken",
    )
    return None


def _check_tax_id_free(
    customer: Customer, data: CustomerData, actor: Any, errors: FieldErrors
) -> Customer | None:
    """A tax id is an identity: a second customer with it is refused."""
    if data.tax_id is None and data.tax_id_type is None:
        return None
    if "tax_id" in errors.by_field:
        return None
    holder = _tax_id_holder(customer)
    return _tax_id_error(holder, actor, errors) if holder is not None else None


def _tax_id_taken(actor: Any, customer: Customer, exc: IntegrityError) -> CustomerInvalid:
    """The answer to a lost race: the unique index refused a tax id saved meanwhile."""
    holder = _tax_id_holder(customer)
    if holder is None:
        raise exc
    errors = FieldErrors()
    visible = _tax_id_error(holder, actor, errors)
    return CustomerInvalid(errors=errors.by_field, tax_id_holder=visible)


def _clean_points(
    kind: str, items: list[ContactIn], errors: FieldErrors, field_name: str
) -> list[ContactPoint]:
    points: list[ContactPoint] = []
    seen: set[str] = set()
    if len(items) > POINTS_MAX:
        errors.add(field_name, _("At most %(n)d entries.") % {"n": POINTS_MAX}, code="too_long")
        return points
    for position, item in enumerate(items):
        raw = (item.value or "").strip()
        if not raw:
            continue
        try:
            if kind == ContactPoint.Kind.EMAIL:
                value = normalize_email(raw)
            elif kind == ContactPoint.Kind.PHONE:
                value = normalize_phone(raw)
            else:
                if item.platform not in ContactPoint.Platform.values:
                    raise ValidationError(_("Choose the social network of “%(v)s”.") % {"v": raw})
                if len(raw) > 100:
                    raise ValidationError(_("At most %(n)d characters.") % {"n": 100})
                value = f"{item.platform}:{raw.lstrip('@')}"
        except ValidationError as exc:
            errors.add(field_name, exc.messages[0], code=f"invalid_{kind}")
            continue
        if item.label and item.label not in ContactPoint.Label.values:
            errors.add(
                field_name, _("Unknown label “%(v)s”.") % {"v": item.label}, code="invalid_choice"
            )
            continue
        if value in seen:
            continue
        seen.add(value)
        points.append(
            ContactPoint(
                kind=kind,
                value=value,
                label=item.label,
                platform=item.platform if kind == ContactPoint.Kind.SOCIAL else "",
                is_primary=item.is_primary,
                position=position,
            )
        )
    if points and not any(p.is_primary for p in points):
        points[0].is_primary = True
    return points


def _clean_addresses(items: list[AddressIn], errors: FieldErrors) -> list[Address]:
    rows: list[Address] = []
    for position, item in enumerate(items[:POINTS_MAX]):
        if not (item.line1 or "").strip() and not (item.city or "").strip():
            continue
        address = Address(
            line1=item.line1.strip(),
            line2=item.line2.strip(),
            district=item.district.strip(),
            city=item.city.strip(),
            region=item.region.strip(),
            postal_code=item.postal_code.strip(),
            country=(item.country or "BR").strip().upper(),
            label=item.label.strip(),
            position=position,
        )
        try:
            address.full_clean(exclude=["customer"])
        except ValidationError as exc:
            for name, messages in django_messages(exc).items():
                for message in messages:
                    errors.add(f"addresses.{position}.{name}", message)
            continue
        rows.append(address)
    return rows


def _check_owner(actor: Any, owner_id: int | None, errors: FieldErrors) -> None:
    if owner_id is None or owner_id == actor.pk:
        return
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(pk=owner_id, is_active=True).exists():
        errors.add("owner", _("Unknown user."), code="unknown_user")
    elif not can(actor, "reassign", Customer(owner_id=owner_id)):
        # Giving a customer away: the actor reassigns, and could change it at its new owner.
        errors.add("owner", _("You cannot give customers to this user."), code="not_allowed")


def _apply_fields(customer: Customer, data: CustomerData, actor: Any, errors: FieldErrors) -> None:
    if data.kind is not None:
        if data.kind not in Customer.Kind.values:
            errors.add("kind", _("Choose person or organization."), code="invalid_choice")
        elif customer.pk and data.kind != customer.kind and customer.people.exists():
            errors.add(
                "kind", _("An organization with people cannot become a person."), code="in_use"
            )
        else:
            customer.kind = data.kind
    if data.name is not None:
        name = " ".join(data.name.split())
        if not name:
            errors.add("name", _("This field is required."), code="required")
        elif len(name) > NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": NAME_MAX}, code="too_long")
        else:
            customer.name = name
            customer.sort_name = fold(name)[:200]
    elif not customer.pk:
        errors.add("name", _("This field is required."), code="required")
    for attr, choices in (("stage", Customer.Stage.values), ("source", Customer.Source.values)):
        value = getattr(data, attr)
        if value is not None:
            if value and value not in choices:
                errors.add(
                    attr,
                    _("“%(v)s” is not one of the available choices.") % {"v": value},
                    code="invalid_choice",
                )
            elif value or attr == "source":
                setattr(customer, attr, value)
    if data.job_title is not None:
        if len(data.job_title) > 120:
            errors.add("job_title", _("At most %(n)d characters.") % {"n": 120}, code="too_long")
        customer.job_title = data.job_title.strip()[:120]
    if data.notes is not None:
        if len(data.notes) > 10000:
            errors.add("notes", _("At most %(n)d characters.") % {"n": 10000}, code="too_long")
        customer.notes = data.notes[:10000]
    if data.birth_date is not None or "birth_date" in data.cleared:
        customer.birth_date = data.birth_date
    if data.organization_id is not None:
        org = (
            restrict(Customer.objects.all(), actor, "view")
            .filter(pk=data.organization_id, kind=Customer.Kind.ORGANIZATION)
            .first()
        )
        if org is None or org.pk == customer.pk:
            errors.add("organization", _("Choose an organization you can see."), code="not_visible")
        else:
            customer.organization = org
    elif "organization" in data.cleared:
        customer.organization = None
    if customer.kind == Customer.Kind.ORGANIZATION and customer.organization_id:
        customer.organization = None
    if data.tax_id is not None or data.tax_id_type is not None:
        raw = data.tax_id if data.tax_id is not None else customer.tax_id
        if raw and raw.strip():
            try:
                customer.tax_id_type, customer.tax_id = normalize_tax_id(
                    raw, data.tax_id_type or ""
                )
            except ValidationError as exc:
                errors.add("tax_id", exc.messages[0], code="invalid_tax_id")
        else:
            customer.tax_id, customer.tax_id_type = "", ""
    # Custom fields: the checks every model with HasCustomFields shares (core.tagging).
    apply_custom_data(customer, data.custom, errors, kind=customer.kind)


def _points_summary(points: list[ContactPoint]) -> list[str]:
    return [p.value for p in points]


def _address_shape(a: Address) -> tuple[str, ...]:
    return (a.label, a.line1, a.line2, a.district, a.city, a.region, a.postal_code, a.country)


def _save_related(
    customer: Customer,
    data: CustomerData,
    points: dict[str, list[ContactPoint]],
    addresses: list[Address] | None,
    tags: list[Tag] | None,
) -> dict[str, list[Any]]:
    """Replace the contact points, addresses and tags that `data` sets; return their changes."""
    changes: dict[str, list[Any]] = {}
    for kind, new_points in points.items():
        old = list(customer.contact_points.filter(kind=kind))
        before, after = _points_summary(old), _points_summary(new_points)
        old_shape = [(p.value, p.label, p.is_primary) for p in old]
        new_shape = [(p.value, p.label, p.is_primary) for p in new_points]
        if old_shape != new_shape:
            customer.contact_points.filter(kind=kind).delete()
            for p in new_points:
                p.customer = customer
            ContactPoint.objects.bulk_create(new_points)
            if before != after:
                changes[f"{kind}s"] = [before, after]
    if addresses is not None:
        old_rows = list(customer.addresses.all())
        before = [str(a) for a in old_rows]
        after = [str(a) for a in addresses]
        if [_address_shape(a) for a in old_rows] != [_address_shape(a) for a in addresses]:
            customer.addresses.all().delete()
            for a in addresses:
                a.customer = customer
            Address.objects.bulk_create(addresses)
            changes["addresses"] = [before, after]
    if tags is not None:
        changes.update(set_tags(customer, tags))
    return changes


@dataclass
class _Checked:
    """A customer with its fields applied and its related rows validated, ready to save."""

    customer: Customer
    points: dict[str, list[ContactPoint]]
    addresses: list[Address] | None
    tag_names: list[str] | None


def _validate_related(
    data: CustomerData, errors: FieldErrors
) -> tuple[dict[str, list[ContactPoint]], list[Address] | None, list[str] | None]:
    """Contact points, addresses and tag names, validated without writing anything."""
    points: dict[str, list[ContactPoint]] = {}
    for kind, items, name in (
        (ContactPoint.Kind.EMAIL, data.emails, "emails"),
        (ContactPoint.Kind.PHONE, data.phones, "phones"),
        (ContactPoint.Kind.SOCIAL, data.socials, "socials"),
    ):
        if items is not None:
            points[kind] = _clean_points(kind, items, errors, name)
    addresses = _clean_addresses(data.addresses, errors) if data.addresses is not None else None
    tags = clean_tag_names(data.tags, errors) if data.tags is not None else None
    return points, addresses, tags


def _checked(customer: Customer, data: CustomerData, actor: Any, errors: FieldErrors) -> _Checked:
    """Every field checked at once (the caller has applied the owner rules to `errors`):
    all problems are reported together, never one round at a time."""
    _apply_fields(customer, data, actor, errors)
    holder = _check_tax_id_free(customer, data, actor, errors)
    points, addresses, tag_names = _validate_related(data, errors)
    if errors:
        raise CustomerInvalid(errors=errors.by_field, tax_id_holder=holder)
    return _Checked(customer, points, addresses, tag_names)


def _check_new(actor: Any, data: CustomerData) -> _Checked:
    errors = FieldErrors()
    customer = Customer(owner_id=actor.pk)
    if data.owner_id is not None:
        _check_owner(actor, data.owner_id, errors)
        customer.owner_id = data.owner_id
    return _checked(customer, data, actor, errors)


def _check_change(actor: Any, customer: Customer, data: CustomerData) -> _Checked:
    errors = FieldErrors()
    if data.owner_id is not None and data.owner_id != customer.owner_id:
        if not can(actor, "reassign", customer):
            errors.add("owner", _("You cannot give customers to this user."), code="not_allowed")
        else:
            _check_owner(actor, data.owner_id, errors)
        customer.owner_id = data.owner_id
    elif "owner" in data.cleared and customer.owner_id is not None:
        # Unowned customers lie only within "all" scopes: the actor must still be able to
        # reassign the customer once it has no owner.
        if not can(actor, "reassign", customer) or not can(
            actor, "reassign", Customer(owner_id=None)
        ):
            errors.add(
                "owner",
                _("Only administrators can leave a customer without an owner."),
                code="not_allowed",
            )
        customer.owner_id = None
    return _checked(customer, data, actor, errors)


def validate_customer(*, actor: Any, data: CustomerData, customer: Customer | None = None) -> None:
    """Raise the CustomerInvalid that create or update would raise, saving nothing, so a
    page whose own checks failed can still show every other problem at the same time."""
    if customer is None:
        _check_new(actor, data)
    else:
        _check_change(actor, copy.copy(customer), data)


def create_customer(*, actor: Any, data: CustomerData) -> Customer:
    """Create a customer with its contact points; the actor owns it unless reassigned."""
    require_create(actor, Customer)
    checked = _check_new(actor, data)
    customer = checked.customer
    try:
        with transaction.atomic():
            tags = tag_objects(checked.tag_names) if checked.tag_names is not None else None
            persistence.create(
                customer,
                actor=actor,
                save_related=lambda c: _save_related(
                    c, data, checked.points, checked.addresses, tags
                ),
            )
            search.index_customers([customer.pk])
    except IntegrityError as exc:
        customer.pk = None
        raise _tax_id_taken(actor, customer, exc) from None
    return customer


def update_customer(
    *, actor: Any, customer: Customer, data: CustomerData, expected_version: int | None
) -> Customer:
    """Apply the fields set in `data` if the version still matches (else StaleVersion)."""
    require(actor, "change", customer)
    old_name, old_owner = customer.name, customer.owner_id
    checked = _check_change(actor, customer, data)
    # A new owner is the change that means more than "updated" (one event per change; its
    # payload still lists every field changed with it).
    event = OWNER_CHANGED if customer.owner_id != old_owner else None
    try:
        with transaction.atomic():
            tags = tag_objects(checked.tag_names) if checked.tag_names is not None else None
            related = _save_related(customer, data, checked.points, checked.addresses, tags)
            persistence.update(
                customer,
                actor=actor,
                expected_version=expected_version,
                related_changes=related,
                event_name=event,
            )
            reindex = [customer.pk]
            if customer.is_organization and customer.name != old_name:
                reindex += list(customer.people.values_list("pk", flat=True))
            search.index_customers(reindex)
    except IntegrityError as exc:
        raise _tax_id_taken(actor, customer, exc) from None
    return customer


def delete_customer(*, actor: Any, customer: Customer, expected_version: int | None) -> None:
    """Delete a customer and its contact points; its people keep existing, unlinked."""
    require(actor, "delete", customer)
    with transaction.atomic():
        people = list(customer.people.values_list("pk", flat=True))
        persistence.delete(customer, actor=actor, expected_version=expected_version)
        search.index_customers(people)


def probable_duplicates(
    customer: Customer,
    viewer: Any,
    *,
    limit: int = 5,
    points: Iterable[ContactPoint] | None = None,
) -> QuerySet[Customer]:
    """Other visible customers sharing a normalised email, phone or tax id with this one.

    `points`: the customer's contact points when the caller has them already. The ids
    come from index lookups first (contact value, tax id); an OR of subqueries would make
    PostgreSQL scan the whole customer table."""
    if points is None:
        points = getattr(customer, "_prefetched_objects_cache", {}).get("contact_points")
    if points is not None:
        values = [(p.kind, p.value) for p in points if p.kind in ("email", "phone")]
    else:
        values = list(
            customer.contact_points.filter(kind__in=["email", "phone"]).values_list("kind", "value")
        )
    ids: set[int] = set()
    if values:
        same_value = Q()
        for kind, value in values:
            same_value |= Q(kind=kind, value=value)
        ids.update(
            ContactPoint.objects.filter(same_value)
            .exclude(customer_id=customer.pk)
            .order_by()
            .values_list("customer_id", flat=True)[:50]
        )
    if customer.tax_id:
        ids.update(
            Customer.objects.filter(tax_id=customer.tax_id)
            .exclude(pk=customer.pk)
            .values_list("pk", flat=True)[:50]
        )
    visible = restrict(Customer.objects.all(), viewer, "view")
    return visible.filter(pk__in=sorted(ids)).order_by("pk")[:limit]


def duplicates_before_save(
    viewer: Any,
    *,
    emails: Iterable[str],
    phones: Iterable[str],
    customer: Customer | None = None,
    limit: int = 5,
) -> list[Customer]:
    """Visible customers who already have one of these emails or phones (typed in any
    format), so a form can warn before saving. On edit, only values the customer does not
    have yet count: a shared address confirmed once is not asked about again."""
    wanted: set[tuple[str, str]] = set()
    for point_kind, values, normalize in (
        ("email", emails, normalize_email),
        ("phone", phones, normalize_phone),
    ):
        for raw in values:
            try:
                wanted.add((point_kind, normalize(raw)))
            except ValidationError:
                continue
    if customer is not None and customer.pk:
        wanted -= set(
            customer.contact_points.filter(kind__in=["email", "phone"]).values_list("kind", "value")
        )
    ids: set[int] = set()
    for point_kind, value in sorted(wanted):
        found = ContactPoint.objects.filter(kind=point_kind, value=value)
        if customer is not None and customer.pk:
            found = found.exclude(customer_id=customer.pk)
        ids.update(found.values_list("customer_id", flat=True)[:50])
    if not ids:
        return []
    visible = restrict(Customer.objects.all(), viewer, "view")
    return list(visible.filter(pk__in=sorted(ids)).order_by("pk")[:limit])
