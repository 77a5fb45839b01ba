"""Catalogue pages: the list and its filters, create/edit (stale edits, errors), groups,
who may edit, and user content shown escaped."""

from __future__ import annotations

from decimal import Decimal

from vinculo.sales.models import Product, ProductGroup
from vinculo.sales.services import ProductData, update_product

from .factories import make_group, make_product

LIST = "/products/"


def _form(product: Product | None = None, **changes):
    data = {
        "sku": product.sku if product else "NEW-1",
        "name": product.name if product else "New",
        "group": "",
        "kind": "product",
        "list_price": str(product.list_price) if product else "10.00",
        "unit_cost": "",
        "currency": product.currency if product else "BRL",
        "active": "on",
        "tags": "",
        "version": product.version if product else "",
    }
    data.update(changes)
    return data


def test_list_shows_products_with_filters_and_keyset_pages(
    client, manager, reader, django_assert_max_num_queries
):
    tools = make_group(manager, "Tools")
    sub = make_group(manager, "Power", parent=tools)
    make_product(manager, sku="D-1", name="Drill", group=sub, list_price=Decimal("1234.5"))
    make_product(manager, sku="H-1", name="Hammer", active=False)
    for n in range(55):
        make_product(manager, sku=f"Z-{n:02}", name=f"Zeta {n:02}", tags=["bulk"])
    client.force_login(reader)
    with django_assert_max_num_queries(12):
        first = client.get(LIST)
    html = first.content.decode()
    assert first.status_code == 200 and "Drill" in html and "D-1" in html
    assert "Zeta 47" in html and "Zeta 48" not in html and 'rel="next"' in html
    assert "New product" not in html  # a reader cannot add
    grouped = client.get(LIST, {"group": tools.pk}).content.decode()
    assert "Drill" in grouped and "Hammer" not in grouped and "Zeta" not in grouped
    inactive = client.get(LIST, {"active": "false"}).content.decode()
    assert "Hammer" in inactive and "Drill" not in inactive
    assert "Drill" in client.get(LIST, {"q": "d-1"}).content.decode()
    tagged = client.get(LIST, {"tag": "BULK", "q": "zeta 54"}).content.decode()
    assert "Zeta 54" in tagged and "Drill" not in tagged
    bad = client.get(LIST, {"cursor": "nonsense"})
    assert bad.status_code == 200 and "Go to the first page" in bad.content.decode()


def test_create_and_edit_a_product(client, manager):
    group = make_group(manager, "Tools")
    client.force_login(manager)
    created = client.post(
        "/products/new/", _form(sku=" ab-1 ", name="Saw", group=group.pk, list_price="12.50")
    )
    assert created.status_code == 302, created.content.decode()
    product = Product.objects.get()
    assert product.sku == "AB-1" and product.list_price == Decimal("12.50")
    assert product.group == group
    edit = client.get(f"/products/{product.pk}/edit/").content.decode()
    assert 'value="AB-1"' in edit and 'name="version" value="1"' in edit
    saved = client.post(
        f"/products/{product.pk}/edit/", _form(product, name="Saw XL", unit_cost="7", tags="a, b")
    )
    assert saved.status_code == 302
    product.refresh_from_db()
    assert product.name == "Saw XL" and product.unit_cost == Decimal("7.00")
    assert product.version == 2 and sorted(t.name for t in product.tags.all()) == ["a", "b"]
    history = client.get(f"/products/{product.pk}/edit/").content.decode()
    section = history.split('id="history"')[1]
    assert "<code>Saw</code> → <code>Saw XL</code>" in section  # History lists the rename


def test_amounts_typed_in_the_users_language(client, manager):
    client.force_login(manager)
    response = client.post(
        "/products/new/",
        _form(list_price="1.234,50", unit_cost="R$ 999,9"),
        HTTP_ACCEPT_LANGUAGE="pt-br",
    )
    assert response.status_code == 302, response.content.decode()
    product = Product.objects.get()
    assert product.list_price == Decimal("1234.50") and product.unit_cost == Decimal("999.90")


def test_form_and_service_errors_show_together(client, manager):
    make_product(manager, sku="TAKEN")
    client.force_login(manager)
    response = client.post(
        "/products/new/", _form(sku="taken", name="", list_price="-3", unit_cost="x")
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Another product already has this SKU." in html
    assert "The amount cannot be negative." in html
    assert "Enter an amount" in html
    assert Product.objects.count() == 1


def test_stale_edit_gives_409_and_saves_nothing(client, manager):
    product = make_product(manager, name="Drill")
    update_product(
        actor=manager, product=product, data=ProductData(name="Drill v2"), expected_version=1
    )
    client.force_login(manager)
    response = client.post(
        f"/products/{product.pk}/edit/", _form(product, name="Old tab", version=1)
    )
    html = response.content.decode()
    assert response.status_code == 409 and "changed by someone else" in html
    assert 'value="Drill v2"' in html and 'name="version" value="2"' in html
    assert Product.objects.get().name == "Drill v2"


def test_a_user_without_the_capability_cannot_edit(client, manager, owner):
    product = make_product(manager, name="Drill")
    client.force_login(owner)
    assert client.get(f"/products/{product.pk}/edit/").status_code == 403
    assert client.post(f"/products/{product.pk}/edit/", _form(product, name="X")).status_code == 403
    assert client.get("/products/new/").status_code == 403
    assert client.post("/products/new/", _form()).status_code == 403
    assert client.post("/products/groups/", {"name": "G"}).status_code == 403
    assert Product.objects.get().name == "Drill" and not ProductGroup.objects.exists()
    listed = client.get(LIST).content.decode()
    assert "Drill" in listed and f"/products/{product.pk}/edit/" not in listed


def test_user_content_is_escaped(client, manager):
    group = make_group(manager, "<b>Group</b>")
    make_product(manager, sku="<S>", name="<script>alert(1)</script>", group=group, tags=["<i>t"])
    client.force_login(manager)
    html = client.get(LIST).content.decode()
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "<b>Group</b>" not in html and "&lt;b&gt;Group&lt;/b&gt;" in html
    assert "<i>t" not in html and "&lt;S&gt;" in html
    groups = client.get("/products/groups/").content.decode()
    assert "<b>Group</b>" not in groups and "&lt;b&gt;Group&lt;/b&gt;" in groups


def test_group_pages_add_move_and_refuse(client, manager):
    client.force_login(manager)
    assert client.post("/products/groups/", {"name": "Tools"}).status_code == 302
    tools = ProductGroup.objects.get()
    assert (
        client.post("/products/groups/", {"name": "Power", "parent": tools.pk}).status_code == 302
    )
    power = ProductGroup.objects.get(name="Power")
    page = client.get("/products/groups/").content.decode()
    assert "— Power" in page
    cycle = client.post(
        f"/products/groups/{tools.pk}/edit/", {"name": "Tools", "parent": "", "version": 1}
    )
    assert cycle.status_code == 302
    # Moving Tools under its own subgroup is refused on the form.
    tools.refresh_from_db()
    refused = client.post(
        f"/products/groups/{tools.pk}/edit/",
        {"name": "Tools", "parent": power.pk, "version": tools.version},
    )
    assert refused.status_code == 422
    assert "inside itself or one of its subgroups" in refused.content.decode()
    busy = client.post(
        f"/products/groups/{tools.pk}/delete/", {"version": tools.version}, follow=True
    )
    assert "Move or delete its products and subgroups first." in busy.content.decode()
    assert ProductGroup.objects.filter(pk=tools.pk).exists()
    gone = client.post(f"/products/groups/{power.pk}/delete/", {"version": power.version})
    assert gone.status_code == 302 and not ProductGroup.objects.filter(pk=power.pk).exists()
