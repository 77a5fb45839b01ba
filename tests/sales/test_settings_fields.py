"""Product custom fields: administrators define them in settings; the product form, the
list filters and the API then carry them."""

from __future__ import annotations

from decimal import Decimal

from tests.accounts.factories import make_token
from vinculo.core.tagging.models import CustomFieldDefinition
from vinculo.sales.models import Product

from .factories import make_product

FIELDS = "/accounts/settings/product-fields/"


def _new_field(client, **changes):
    data = {
        "key": "warranty_months",
        "label": "Warranty (months)",
        "field_type": "number",
        "applies_to": "product",
        "position": 0,
        "is_active": "on",
    }
    data.update(changes)
    return client.post(FIELDS + "new/", data)


def test_admin_defines_a_product_field_used_by_form_filters_and_api(client, admin, manager):
    client.force_login(admin)
    created = _new_field(client)
    assert created.status_code == 302, created.content.decode()
    definition = CustomFieldDefinition.objects.get()
    assert definition.model == "sales.product" and definition.applies_to == "product"
    listing = client.get(FIELDS).content.decode()
    assert "Warranty (months)" in listing and "Product fields" in listing
    # Customers' own settings page does not list it.
    assert "Warranty (months)" not in client.get("/accounts/settings/fields/").content.decode()

    client.force_login(manager)
    form = client.get("/products/new/").content.decode()
    assert 'name="cf_warranty_months"' in form
    response = client.post(
        "/products/new/",
        {
            "sku": "W-1",
            "name": "Drill",
            "kind": "product",
            "list_price": "10",
            "currency": "BRL",
            "active": "on",
            "cf_warranty_months": "abc",
        },
    )
    assert response.status_code == 422 and not Product.objects.exists()
    make_product(manager, sku="W-2", name="Drill", custom={"warranty_months": 24})
    make_product(manager, sku="W-3", name="Saw", custom={"warranty_months": 6})
    api = client.get(
        "/api/v1/products",
        {"cf_warranty_months__gte": "12"},
        HTTP_AUTHORIZATION=f"Bearer {make_token(manager, 'read')}",
    )
    assert [p["sku"] for p in api.json()["items"]] == ["W-2"]
    assert api.json()["items"][0]["custom"] == {"warranty_months": 24}
    page = client.get("/products/", {"cf_warranty_months__lte": "12"}).content.decode()
    assert "Saw" in page and "Drill" not in page
    assert Product.objects.get(sku="W-2").custom_data["warranty_months"] in (24, Decimal("24"))


def test_only_administrators_reach_product_field_settings(client, admin, manager):
    client.force_login(manager)
    assert client.get(FIELDS).status_code == 403
    assert _new_field(client).status_code == 403
    assert not CustomFieldDefinition.objects.exists()
    client.force_login(admin)
    _new_field(client)
    definition = CustomFieldDefinition.objects.get()
    edit = client.post(
        f"{FIELDS}{definition.pk}/",
        {
            "label": "Warranty",
            "field_type": "number",
            "applies_to": "service",
            "position": 1,
            "version": 1,
        },
    )
    assert edit.status_code == 302
    definition.refresh_from_db()
    assert definition.label == "Warranty" and definition.applies_to == "service"
    gone = client.post(f"{FIELDS}{definition.pk}/delete/", {"version": definition.version})
    assert gone.status_code == 302 and not CustomFieldDefinition.objects.exists()
