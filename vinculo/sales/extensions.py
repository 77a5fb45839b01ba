"""The catalogue's places in shared pages (found by vinculo.core.extensions): the products
group of global search and the product fields settings section."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vinculo.core import extensions as ext
from vinculo.sales.models import Product
from vinculo.sales.services import normalize_sku


def search(user: Any, q: str, limit: int) -> list[Product]:
    """Products whose SKU is the text typed first, then those whose SKU or name holds it."""
    visible = Product.objects.visible_to(user).select_related("group")
    exact = list(visible.filter(sku=normalize_sku(q))[:1])
    rest = visible.filter(name__icontains=q) | visible.filter(sku__icontains=q)
    rest = rest.exclude(pk__in=[p.pk for p in exact]).order_by("name", "id")
    return exact + list(rest[: max(limit - len(exact), 0)])


def more_url(q: str) -> str:
    return f"{reverse('sales:products')}?{urlencode({'q': q})}"


ext.register_search_group(
    ext.SearchGroup(
        key="products",
        title=_("Products"),
        search=search,
        template="sales/_search_options.html",
        page_template="sales/_search_table.html",
        order=30,
        more_url=more_url,
    )
)

ext.register_settings_section(
    ext.SettingsSection(
        key="product_fields",
        title=_("Product fields"),
        description=_("Extra fields on products and services: text, numbers, dates, choices."),
        url_name="sales:custom_fields",
        order=45,
    )
)
