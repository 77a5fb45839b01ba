"""Customers over the JSON API: list (the list page's filters), create, read, edit, delete,
history. Reads go through `restrict`, writes through customers.services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from vinculo.accounts.requests import ApiRequest
from vinculo.core.api.concurrency import IF_MATCH_DOC, expected_version, set_etag
from vinculo.core.api.idempotency import idempotent
from vinculo.core.api.schemas import (
    DEFAULT_LIMIT,
    Cursor,
    Id,
    IsoDate,
    Limit,
    Ref,
    StrictSchema,
    choice,
    omittable,
    page_body,
    page_schema,
    ref,
)
from vinculo.core.audit import model_label
from vinculo.core.errors import ValidationFailed, field_message
from vinculo.core.models import AuditEntry, one_or_none
from vinculo.core.pagination import keyset_page
from vinculo.core.permissions import restrict
from vinculo.core.tagging.api import CustomValues, TagNames, TagQuery
from vinculo.customers import services
from vinculo.customers.models import ContactPoint, Customer
from vinculo.customers.queries import (
    SORTS,
    CustomerFilter,
    CustomerRelations,
    customer_page,
    customer_total,
    relations_of,
)

router = Router(tags=["customers"])

KindChoice = choice(Customer.Kind.values)
StageChoice = choice(Customer.Stage.values)
SourceChoice = choice(Customer.Source.values, blank=True)
LabelChoice = choice(ContactPoint.Label.values, blank=True)


# --- input ---------------------------------------------------------------------------------


class ContactIn(StrictSchema):
    value: str = Field(max_length=254)
    label: LabelChoice = ""  # type: ignore[valid-type]
    is_primary: bool = False


class SocialIn(ContactIn):
    value: str = Field(max_length=100, description="The handle, without the platform")
    platform: choice(ContactPoint.Platform.values)  # type: ignore[valid-type]


class AddressIn(StrictSchema):
    line1: str = Field(max_length=200)
    city: str = Field(max_length=100)
    line2: str = Field("", max_length=200)
    district: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("BR", min_length=2, max_length=2, description="ISO 3166 code")
    label: str = Field("", max_length=40)


class CustomerPatch(StrictSchema):
    """Fields to change; omitted fields stay as they are. null clears organization and
    birth_date; null on a text or list field empties it."""

    kind: KindChoice | None = omittable()  # type: ignore[valid-type]
    name: str | None = omittable(max_length=200)
    organization: Id | None = Field(None, description="Id of an organization you can see")
    job_title: str | None = Field(None, max_length=120)
    birth_date: IsoDate | None = None
    stage: StageChoice | None = omittable()  # type: ignore[valid-type]
    source: SourceChoice | None = None  # type: ignore[valid-type]
    owner: Id | None = omittable(description="User id (needs the reassign capability)")
    tax_id: str | None = Field(None, max_length=30, description="CPF, CNPJ, NIF, NIE or CIF")
    tax_id_type: choice(Customer.TaxIdType.values, blank=True) | None = None  # type: ignore[valid-type]
    notes: str | None = Field(None, max_length=10000)
    tags: TagNames | None = None
    custom: CustomValues | None = omittable(
        description="Custom field values by key; null removes a value"
    )
    emails: list[ContactIn] | None = Field(None, max_length=services.POINTS_MAX)
    phones: list[ContactIn] | None = Field(None, max_length=services.POINTS_MAX)
    socials: list[SocialIn] | None = Field(None, max_length=services.POINTS_MAX)
    addresses: list[AddressIn] | None = Field(None, max_length=services.POINTS_MAX)


class CustomerIn(CustomerPatch):
    name: str = Field(max_length=200)


_NOT_NULL = {"kind", "name", "stage", "custom"}
_CLEARABLE = {"organization", "birth_date"}
_TEXT = {"job_title", "source", "tax_id", "tax_id_type", "notes"}
_FIELD_TO_DATA = {"organization": "organization_id", "owner": "owner_id"}


def to_data(payload: CustomerPatch) -> services.CustomerData:
    """The service input holding only the fields the client sent."""
    data = services.CustomerData()
    errors: dict[str, list[str]] = {}
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        attr = _FIELD_TO_DATA.get(name, name)
        if value is None:
            if name in _CLEARABLE:
                data.cleared.add(name)
            elif name in _TEXT:
                setattr(data, attr, "")
            elif name in {"tags", "emails", "phones", "socials", "addresses"}:
                setattr(data, attr, [])
            elif name == "owner":
                errors[name] = [
                    field_message(
                        _("Every customer needs an owner: choose another user."), "required"
                    )
                ]
            elif name in _NOT_NULL:
                errors[name] = [field_message(_("This field cannot be null."), "null")]
            continue
        if name in {"emails", "phones", "socials"}:
            value = [
                services.ContactIn(
                    value=p.value,
                    label=p.label,
                    platform=getattr(p, "platform", ""),
                    is_primary=p.is_primary,
                )
                for p in value
            ]
        elif name == "addresses":
            value = [services.AddressIn(**a.model_dump()) for a in value]
        setattr(data, attr, value)
    if errors:
        raise ValidationFailed(errors=errors)
    return data


# --- output --------------------------------------------------------------------------------


class ContactOut(Schema):
    value: str
    label: str
    is_primary: bool


class SocialOut(ContactOut):
    platform: str


class AddressOut(Schema):
    label: str
    line1: str
    line2: str
    district: str
    city: str
    region: str
    postal_code: str
    country: str


class CustomerOut(Schema):
    id: int
    version: int
    kind: str
    name: str
    organization: Ref | None
    job_title: str
    birth_date: dt.date | None
    stage: str
    source: str
    owner: Ref | None
    tax_id: str
    tax_id_type: str
    notes: str
    tags: list[str]
    custom: dict[str, Any]
    emails: list[ContactOut]
    phones: list[ContactOut]
    socials: list[SocialOut]
    addresses: list[AddressOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerDetail(CustomerOut):
    probable_duplicates: list[int] = Field(
        description="Ids of visible customers sharing an email, phone or tax id"
    )


class CustomerPage(page_schema(CustomerOut, "CustomerPageBase")):  # type: ignore[misc]
    total: int | None = Field(
        None,
        description="How many customers match: exact, an estimate (`total_is_estimate`) or "
        "a lower bound (`total_is_lower_bound`: more than `total`); null with `q`",
    )
    total_is_estimate: bool = Field(
        False, description="`total` comes from the database's statistics, not a count"
    )
    total_is_lower_bound: bool = Field(
        False, description="More than `total` customers match (counting stopped there)"
    )


class AuditOut(Schema):
    id: int
    at: dt.datetime
    action: str
    actor: Ref | None
    via: str
    changes: dict[str, Any] = Field(description='{"field": [before, after]}')


HistoryPage = page_schema(AuditOut, "CustomerHistoryPage")


def _point(p: ContactPoint) -> dict[str, Any]:
    if p.kind == ContactPoint.Kind.SOCIAL:
        handle = p.value.split(":", 1)[-1]
        return {
            "value": handle,
            "label": p.label,
            "platform": p.platform,
            "is_primary": p.is_primary,
        }
    return {"value": p.value, "label": p.label, "is_primary": p.is_primary}


def customer_dict(c: Customer, relations: CustomerRelations | None = None) -> dict[str, Any]:
    """The representation of a customer whose relations are loaded: prefetched (lists), or
    given as `relations` (one record); no queries."""
    points: dict[str, list[dict[str, Any]]] = {"email": [], "phone": [], "social": []}
    for p in relations.points if relations else c.contact_points.all():
        points[p.kind].append(_point(p))
    tags = relations.tag_names if relations else getattr(c, "tag_names", None)
    return {
        "id": c.pk,
        "version": c.version,
        "kind": c.kind,
        "name": c.name,
        "organization": ref(c.organization),
        "job_title": c.job_title,
        "birth_date": c.birth_date,
        "stage": c.stage,
        "source": c.source,
        "owner": ref(c.owner),
        "tax_id": c.tax_id,
        "tax_id_type": c.tax_id_type,
        "notes": c.notes,
        "tags": tags if tags is not None else sorted(t.name for t in c.tags.all()),
        "custom": c.custom_data or {},
        "emails": points["email"],
        "phones": points["phone"],
        "socials": points["social"],
        "addresses": [
            {
                "label": a.label,
                "line1": a.line1,
                "line2": a.line2,
                "district": a.district,
                "city": a.city,
                "region": a.region,
                "postal_code": a.postal_code,
                "country": a.country,
            }
            for a in (relations.addresses if relations else c.addresses.all())
        ],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _load(user: Any, pk: int) -> Customer:
    """The customer, if `user` may read it; else 404."""
    customer = one_or_none(
        restrict(Customer.objects.all(), user, "view")
        .select_related("owner", "organization")
        .filter(pk=pk)
    )
    if customer is None:
        raise Http404
    return customer


def _detail(user: Any, customer: Customer, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, customer)
    relations = relations_of(customer)
    body = customer_dict(customer, relations)
    body["probable_duplicates"] = list(
        services.probable_duplicates(customer, user, points=relations.points).values_list(
            "pk", flat=True
        )
    )
    return body


# --- endpoints -----------------------------------------------------------------------------


@router.get("/customers", response=CustomerPage, summary="List customers")
def list_customers(
    request: ApiRequest,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
    q: Annotated[str | None, Query(max_length=200, description="Text search")] = None,
    kind: KindChoice | None = None,  # type: ignore[valid-type]
    stage: StageChoice | None = None,  # type: ignore[valid-type]
    source: choice(Customer.Source.values) | None = None,  # type: ignore[valid-type]
    owner: Annotated[str | None, Query(pattern=r"^(me|none|[0-9]{1,18})$")] = None,
    tag: TagQuery = None,
    organization: Id | None = None,
    sort: choice(list(SORTS)) | None = None,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """The filters of the customers page. Also `cf_<key>=value` for custom fields, and
    `cf_<key>__gte=` / `cf_<key>__lte=` for number, money and date fields. With `q`, the best
    matches first (exact name, then names beginning with the words, then the rest), page
    after page through `next_cursor`."""
    user = request.auth
    flt = CustomerFilter.from_params(request.GET)
    page = customer_page(user, flt, cursor=cursor, size=limit)
    total = customer_total(user, flt, page)
    prefetch_related_objects(page.items, "contact_points", "addresses")
    body = page_body(page, [customer_dict(c) for c in page.items])
    body["total"] = total.value if total else None
    body["total_is_estimate"] = bool(total and total.is_estimate)
    body["total_is_lower_bound"] = bool(total and total.is_lower_bound)
    return body


@router.post("/customers", response={201: CustomerDetail}, summary="Create a customer")
@idempotent
def create_customer(
    request: ApiRequest, payload: CustomerIn, response: HttpResponse
) -> dict[str, Any]:
    """The caller owns the new customer unless `owner` names another user."""
    user = request.auth
    customer = services.create_customer(actor=user, data=to_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{customer.pk}"
    return _detail(user, _load(user, customer.pk), response)


@router.get("/customers/{id}", response=CustomerDetail, summary="Read a customer")
def get_customer(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    """The ETag header holds the version to send back in If-Match when editing."""
    user = request.auth
    return _detail(user, _load(user, id), response)


@router.patch(
    "/customers/{id}",
    response=CustomerDetail,
    summary="Edit a customer",
    openapi_extra=IF_MATCH_DOC,
)
def patch_customer(
    request: ApiRequest, id: Id, payload: CustomerPatch, response: HttpResponse
) -> dict[str, Any]:
    """Only the fields sent change. Lists (emails, tags, …) are replaced as a whole."""
    user = request.auth
    customer = _load(user, id)
    version = expected_version(request)
    services.update_customer(
        actor=user, customer=customer, data=to_data(payload), expected_version=version
    )
    return _detail(user, _load(user, id), response)


@router.delete(
    "/customers/{id}", response={204: None}, summary="Delete a customer", openapi_extra=IF_MATCH_DOC
)
def delete_customer(request: ApiRequest, id: Id) -> None:
    user = request.auth
    customer = _load(user, id)
    version = expected_version(request)
    services.delete_customer(actor=user, customer=customer, expected_version=version)


@router.get("/customers/{id}/history", response=HistoryPage, summary="A customer's history")
def customer_history(
    request: ApiRequest, id: Id, cursor: Cursor | None = None, limit: Limit = DEFAULT_LIMIT
) -> dict[str, Any]:
    """Audit entries of the customer, newest first: who changed which field, when, how."""
    user = request.auth
    customer = restrict(Customer.objects.all(), user, "view").filter(pk=id).first()
    if customer is None:
        raise Http404
    entries = AuditEntry.objects.filter(
        model=model_label(Customer), object_id=str(customer.pk)
    ).select_related("actor")
    page = keyset_page(entries, order=["-id"], cursor=cursor, size=limit)
    items = [
        {
            "id": e.pk,
            "at": e.at,
            "action": e.action,
            "actor": ref(e.actor),
            "via": e.via,
            "changes": e.changes,
        }
        for e in page.items
    ]
    return page_body(page, items)
