"""Products in global search: the dropdown and the results page, exact SKU first, escaped."""

from __future__ import annotations

from .factories import make_product

HX = {"HTTP_HX_REQUEST": "true"}


def test_products_show_in_global_search(client, manager, reader):
    make_product(manager, sku="DR-100", name="Cordless drill")
    make_product(manager, sku="X-1", name="Drill bits <set>")
    make_product(manager, sku="DRILL", name="Zeta")
    make_product(manager, sku="H-1", name="Hammer")
    client.force_login(reader)
    html = client.get("/search/", {"q": "drill"}, **HX).content.decode()
    assert ">Products</div>" in html
    names = [n for n in ("Zeta", "Cordless drill", "Drill bits &lt;set&gt;") if n in html]
    assert names == ["Zeta", "Cordless drill", "Drill bits &lt;set&gt;"]
    assert html.index("Zeta") < html.index("Cordless drill") < html.index("Drill bits")
    assert "Hammer" not in html and "<set>" not in html
    page = client.get("/search/", {"q": "drill"}).content.decode()
    assert 'id="product-search-list"' in page and "/products/?q=drill" in page


def test_no_product_group_without_matches(client, manager):
    make_product(manager, sku="H-1", name="Hammer")
    client.force_login(manager)
    html = client.get("/search/", {"q": "zzzz"}, **HX).content.decode()
    assert ">Products</div>" not in html
