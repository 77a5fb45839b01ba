"""Products and groups for tests, written through the catalogue's services."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from vinculo.sales.models import Product, ProductGroup
from vinculo.sales.services import ProductData, create_group, create_product

_seq = itertools.count(1)


def make_group(
    actor: Any, name: str | None = None, parent: ProductGroup | None = None
) -> ProductGroup:
    return create_group(
        actor=actor, name=name or f"Group {next(_seq)}", parent_id=parent.pk if parent else None
    )


def make_product(
    actor: Any, *, sku: str | None = None, name: str | None = None, **fields: Any
) -> Product:
    n = next(_seq)
    fields.setdefault("list_price", Decimal("10.00"))
    group = fields.pop("group", None)
    data = ProductData(sku=sku or f"SKU-{n}", name=name or f"Product {n}", **fields)
    if group is not None:
        data.group_id = group.pk
    return create_product(actor=actor, data=data)
