"""The catalogue over the JSON API: products (list, create, read, edit, delete) and
product groups (list, create). Reads go through `restrict`, writes through sales.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

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
    Limit,
    StrictSchema,
    choice,
    omittable,
    page_body,
    page_schema,
)
from vinculo.core.errors import ValidationFailed
from vinculo.core.tagging.api import CUSTOM_FILTERS_DOC, CustomValues, TagNames, TagQuery
from vinculo.core.tagging.values import tag_names_of
from vinculo.sales import services
from vinculo.sales.models import Product, ProductGroup
from vinculo.sales.queries import ProductFilter, group_tree, product_page

router = Router(tags=["products"])

KindChoice = choice(Product.Kind.values)
# An amount as a decimal string ("12.50", exact) or a JSON number; checked by the service.
Amount = Annotated[
    str | int | float,
    Field(description='A decimal amount, e.g. "12.50" (at most two decimal places)'),
]


class ProductPatch(StrictSchema):
    """Fields to change; omitted fields stay as they are. null clears group and unit_cost."""

    sku: str | None = omittable(max_length=services.SKU_MAX * 2)
    name: str | None = omittable(max_length=services.NAME_MAX * 2)
    group: Id | None = Field(None, description="Id of a product group; null: no group")
    kind: KindChoice | None = omittable()  # type: ignore[valid-type]
    list_price: Amount | None = omittable()
    unit_cost: Amount | None = None
    currency: str | None = omittable(max_length=3, description="An ISO code the site accepts")
    active: bool | None = omittable()
    tags: TagNames | None = None
    custom: CustomValues | None = omittable(description="Custom field values by key")


class ProductIn(ProductPatch):
    sku: str = Field(max_length=services.SKU_MAX * 2)
    name: str = Field(max_length=services.NAME_MAX * 2)
    list_price: Amount


_NOT_NULL = ("sku", "name", "kind", "list_price", "currency", "active", "custom")


def to_data(payload: ProductPatch) -> services.ProductData:
    """The service input holding only the fields the client sent."""
    sent = payload.model_fields_set
    nulls = [n for n in _NOT_NULL if n in sent and getattr(payload, n) is None]
    if nulls:
        raise ValidationFailed(errors={n: [_("This field cannot be null.")] for n in nulls})
    data = services.ProductData()
    for name in ("sku", "name", "kind", "currency", "active", "custom"):
        if name in sent:
            setattr(data, name, getattr(payload, name))
    if "list_price" in sent:
        data.list_price = _decimal_text(payload.list_price)
    if "unit_cost" in sent:
        if payload.unit_cost is None:
            data.clear_unit_cost = True
        else:
            data.unit_cost = _decimal_text(payload.unit_cost)
    if "group" in sent:
        if payload.group is None:
            data.clear_group = True
        else:
            data.group_id = payload.group
    if "tags" in sent:
        data.tags = list(payload.tags or [])
    return data


def _decimal_text(value: Any) -> Any:
    # A JSON number goes through its shortest text (0.1 stays 0.1, not 0.1000000000000000055).
    return str(value) if isinstance(value, float) else value


class GroupRef(Schema):
    id: int
    name: str


class ProductOut(Schema):
    id: int
    version: int
    sku: str
    name: str
    group: GroupRef | None
    kind: str
    list_price: str
    unit_cost: str | None
    currency: str
    active: bool
    tags: list[str]
    custom: dict[str, Any]
    created_at: Any
    updated_at: Any


ProductPage = page_schema(ProductOut, "ProductPage")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _product_dicts(rows: list[Product]) -> list[dict[str, Any]]:
    tags = tag_names_of(rows)
    return [
        {
            "id": p.pk,
            "version": p.version,
            "sku": p.sku,
            "name": p.name,
            "group": {"id": p.group.pk, "name": p.group.name} if p.group else None,
            "kind": p.kind,
            "list_price": _money(p.list_price),
            "unit_cost": _money(p.unit_cost),
            "currency": p.currency,
            "active": p.active,
            "tags": tags.get(p.pk, []),
            "custom": p.custom_data,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        }
        for p in rows
    ]


def _load(user: Any, pk: int) -> Product:
    product = Product.objects.visible_to(user).select_related("group").filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


def _detail(user: Any, pk: int, response: HttpResponse) -> dict[str, Any]:
    product = _load(user, pk)
    set_etag(response, product)
    return _product_dicts([product])[0]


@router.get("/products", response=ProductPage, summary="List products")
def list_products(
    request: ApiRequest,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or SKU")] = None,
    group: Annotated[Id | None, Query(description="A group id: its subgroups too")] = None,
    active: bool | None = None,
    tag: TagQuery = None,
) -> dict[str, Any]:
    flt = ProductFilter.from_params(request.GET)
    if flt.errors:
        raise ValidationFailed(errors=flt.errors)
    page = product_page(request.auth, flt, cursor=cursor, size=limit)
    return page_body(page, _product_dicts(page.items))


list_products.__doc__ = "Products by name, page after page through `next_cursor`. " + (
    CUSTOM_FILTERS_DOC
)


@router.post("/products", response={201: ProductOut}, summary="Create a product")
@idempotent
def create_product(
    request: ApiRequest, payload: ProductIn, response: HttpResponse
) -> dict[str, Any]:
    """Needs the catalogue capability. The SKU is stored trimmed and in upper case."""
    user = request.auth
    product = services.create_product(actor=user, data=to_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{product.pk}"
    return _detail(user, product.pk, response)


@router.get("/products/{id}", response=ProductOut, summary="Read a product")
def get_product(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    """The ETag header holds the version to send back in If-Match when editing."""
    return _detail(request.auth, id, response)


@router.patch(
    "/products/{id}", response=ProductOut, summary="Edit a product", openapi_extra=IF_MATCH_DOC
)
def patch_product(
    request: ApiRequest, id: Id, payload: ProductPatch, response: HttpResponse
) -> dict[str, Any]:
    user = request.auth
    product = _load(user, id)
    version = expected_version(request)
    services.update_product(
        actor=user, product=product, data=to_data(payload), expected_version=version
    )
    return _detail(user, id, response)


@router.delete(
    "/products/{id}", response={204: None}, summary="Delete a product", openapi_extra=IF_MATCH_DOC
)
def delete_product(request: ApiRequest, id: Id) -> None:
    user = request.auth
    product = _load(user, id)
    version = expected_version(request)
    services.delete_product(actor=user, product=product, expected_version=version)


# --- groups ----------------------------------------------------------------------------------


class GroupIn(StrictSchema):
    name: str = Field(max_length=services.GROUP_NAME_MAX * 2)
    parent: Id | None = Field(None, description="Id of the parent group; null: top level")


class GroupOut(Schema):
    id: int
    version: int
    name: str
    parent: int | None
    depth: int


class GroupList(Schema):
    items: list[GroupOut]


def _depth(group: ProductGroup) -> int:
    depth, parent = 0, group.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth


def _group_dict(group: ProductGroup, depth: int) -> dict[str, Any]:
    return {
        "id": group.pk,
        "version": group.version,
        "name": group.name,
        "parent": group.parent_id,
        "depth": depth,
    }


@router.get(
    "/product-groups", response=GroupList, tags=["product groups"], summary="List product groups"
)
def list_groups(request: ApiRequest) -> dict[str, Any]:
    """Every group, each parent followed by its subgroups (`depth` 0 at the top)."""
    return {"items": [_group_dict(g, d) for g, d in group_tree(request.auth)]}


@router.post(
    "/product-groups",
    response={201: GroupOut},
    tags=["product groups"],
    summary="Create a product group",
)
@idempotent
def create_group(request: ApiRequest, payload: GroupIn, response: HttpResponse) -> dict[str, Any]:
    """Needs the catalogue capability; names are unique among a parent's subgroups."""
    group = services.create_group(actor=request.auth, name=payload.name, parent_id=payload.parent)
    set_etag(response, group)
    return _group_dict(group, _depth(group))


class GroupPatch(StrictSchema):
    """Rename and/or move; `parent` null moves the group to the top level."""

    name: str | None = omittable(max_length=services.GROUP_NAME_MAX * 2)
    parent: Id | None = Field(None, description="Id of the new parent group; null: top level")


def _load_group(user: Any, pk: int) -> ProductGroup:
    group = ProductGroup.objects.visible_to(user).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


@router.patch(
    "/product-groups/{id}",
    response=GroupOut,
    tags=["product groups"],
    summary="Rename or move a product group",
    openapi_extra=IF_MATCH_DOC,
)
def patch_group(
    request: ApiRequest, id: Id, payload: GroupPatch, response: HttpResponse
) -> dict[str, Any]:
    """Refuses a move inside the group itself or its subgroups (422, code `cycle`)."""
    user = request.auth
    group = _load_group(user, id)
    version = expected_version(request)
    if "name" in payload.model_fields_set and payload.name is None:
        raise ValidationFailed(errors={"name": [_("This field cannot be null.")]})
    services.update_group(
        actor=user,
        group=group,
        expected_version=version,
        name=payload.name,
        parent_id=payload.parent,
        move="parent" in payload.model_fields_set,
    )
    set_etag(response, group)
    return _group_dict(group, _depth(group))


@router.delete(
    "/product-groups/{id}",
    response={204: None},
    tags=["product groups"],
    summary="Delete an empty product group",
    openapi_extra=IF_MATCH_DOC,
)
def delete_group(request: ApiRequest, id: Id) -> None:
    """A group holding products or subgroups is kept: 409, code `group_not_empty`."""
    user = request.auth
    group = _load_group(user, id)
    services.delete_group(actor=user, group=group, expected_version=expected_version(request))
