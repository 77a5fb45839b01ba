"""Read-side helpers of the catalogue, shared by the pages and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from vinculo.core.pagination import Page, keyset_page
from vinculo.core.tagging.filters import TagAndFieldFilter
from vinculo.sales.models import Product, ProductGroup

PRODUCT_ORDER = ["name", "id"]


def group_tree(user: Any) -> list[tuple[ProductGroup, int]]:
    """Every group the user may see as (group, depth), each parent followed by its
    subgroups, by name: one query (catalogues hold hundreds of groups, not millions)."""
    groups = list(ProductGroup.objects.visible_to(user).order_by("name", "id"))
    children: dict[int | None, list[ProductGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    rows: list[tuple[ProductGroup, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for group in children.get(parent, []):
            rows.append((group, depth))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return rows


def subgroup_ids(group_id: int) -> list[int]:
    """`group_id` and the ids of all groups below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in ProductGroup.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found: list[int] = []
    stack = [group_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(children.get(current, []))
    return found


@dataclass
class ProductFilter:
    q: str = ""
    group: int | None = None
    active: bool | None = None
    custom: TagAndFieldFilter | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ProductFilter:
        flt = cls(q=" ".join(str(params.get("q") or "").split())[:200])
        raw_group = str(params.get("group") or "")
        if raw_group.isdigit() and len(raw_group) < 19:
            flt.group = int(raw_group)
        active = str(params.get("active") or "").lower()
        if active in ("true", "1", "yes"):
            flt.active = True
        elif active in ("false", "0", "no"):
            flt.active = False
        flt.custom = TagAndFieldFilter.from_params(Product, params, flt.errors)
        return flt

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.group
            or self.active is not None
            or (self.custom is not None and self.custom.is_filtered())
        )

    def apply(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.q:
            queryset = queryset.filter(Q(name__icontains=self.q) | Q(sku__icontains=self.q))
        if self.group:
            queryset = queryset.filter(group_id__in=subgroup_ids(self.group))
        if self.active is not None:
            queryset = queryset.filter(active=self.active)
        if self.custom is not None:
            queryset = self.custom.apply(queryset)
        return queryset


def product_page(user: Any, flt: ProductFilter, *, cursor: str | None, size: int) -> Page:
    """One page of the products the user may see, by name, filtered; the group loaded."""
    queryset = flt.apply(Product.objects.visible_to(user)).select_related("group")
    return keyset_page(queryset, order=PRODUCT_ORDER, cursor=cursor, size=size)
