"""/api/v1/products and /api/v1/product-groups: CRUD, If-Match, idempotency, problem codes,
keyset pages, filters and who may write."""

from __future__ import annotations

import json

from tests.accounts.factories import make_token
from vinculo.sales.models import Product

from .factories import make_group, make_product

URL = "/api/v1/products"
GROUPS = "/api/v1/product-groups"


def auth(user, scope: str = "write") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user, scope)}"}


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def codes(response) -> dict[str, str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_create_read_edit_delete(client, manager):
    h = auth(manager)
    group = make_group(manager, "Tools")
    body = {
        "sku": " dr-1 ",
        "name": "Drill",
        "group": group.pk,
        "list_price": "199.90",
        "unit_cost": 120,
        "currency": "EUR",
        "tags": ["power"],
    }
    created = post(client, URL, body, **h)
    assert created.status_code == 201, created.content
    item = created.json()
    assert (
        item["sku"] == "DR-1" and item["list_price"] == "199.90" and item["unit_cost"] == "120.00"
    )
    assert item["group"] == {"id": group.pk, "name": "Tools"} and item["tags"] == ["power"]
    assert created["ETag"] == '"1"'
    url = f"{URL}/{item['id']}"
    assert created["Location"].endswith(url)
    read = client.get(url, **h)
    assert read.status_code == 200 and read["ETag"] == '"1"' and read.json()["currency"] == "EUR"
    edited = patch(client, url, {"list_price": 210.5, "unit_cost": None}, HTTP_IF_MATCH='"1"', **h)
    assert edited.status_code == 200, edited.content
    assert edited.json()["list_price"] == "210.50" and edited.json()["unit_cost"] is None
    assert edited["ETag"] == '"2"' and edited.json()["name"] == "Drill"
    gone = client.delete(url, HTTP_IF_MATCH='"2"', **h)
    assert gone.status_code == 204 and not Product.objects.exists()
    assert client.get(url, **h).status_code == 404


def test_if_match_missing_or_stale(client, manager):
    product = make_product(manager)
    url = f"{URL}/{product.pk}"
    h = auth(manager)
    missing = patch(client, url, {"name": "New"}, **h)
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    patch(client, url, {"name": "First"}, HTTP_IF_MATCH='"1"', **h)
    stale = patch(client, url, {"name": "Second"}, HTTP_IF_MATCH='"1"', **h)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    stale_delete = client.delete(url, HTTP_IF_MATCH='"1"', **h)
    assert stale_delete.status_code == 412
    assert Product.objects.get().name == "First"


def test_field_problems(client, manager):
    make_product(manager, sku="TAKEN")
    h = auth(manager)
    bad = {"sku": "taken", "name": "X", "list_price": "-1", "unit_cost": "abc", "currency": "XYZ"}
    refused = post(client, URL, bad, **h)
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
    assert codes(refused) == {
        "sku": "duplicate",
        "list_price": "negative",
        "unit_cost": "invalid",
        "currency": "unknown_currency",
    }
    nulls = patch(
        client, f"{URL}/{Product.objects.get().pk}", {"name": None}, HTTP_IF_MATCH='"1"', **h
    )
    assert nulls.status_code == 422 and set(codes(nulls)) == {"name"}
    assert Product.objects.count() == 1


def test_idempotent_create(client, manager):
    h = {**auth(manager), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    body = {"sku": "A", "name": "A", "list_price": "1"}
    first = post(client, URL, body, **h)
    again = post(client, URL, body, **h)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Product.objects.count() == 1
    other = post(client, URL, {**body, "name": "B"}, **h)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_read_only_and_sales_roles_read_but_cannot_write(client, manager, reader, owner):
    product = make_product(manager)
    url = f"{URL}/{product.pk}"
    for user in (reader, owner):
        h = auth(user)
        assert ids(client.get(URL, **h)) == [product.pk]
        denied = post(client, URL, {"sku": "N", "name": "N", "list_price": "1"}, **h)
        assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
        assert patch(client, url, {"name": "x"}, HTTP_IF_MATCH='"1"', **h).status_code == 403
        assert client.delete(url, HTTP_IF_MATCH='"1"', **h).status_code == 403
        assert post(client, GROUPS, {"name": "G"}, **h).status_code == 403
    assert Product.objects.get().name == product.name


def test_keyset_pages_and_filters(client, manager):
    tools = make_group(manager, "Tools")
    power = make_group(manager, "Power", parent=tools)
    garden = make_group(manager, "Garden")
    drill = make_product(manager, sku="D-1", name="Drill", group=power, tags=["sale"])
    hammer = make_product(manager, sku="H-1", name="Hammer", group=tools)
    hose = make_product(manager, sku="G-7", name="Hose", group=garden, active=False)
    axe = make_product(manager, sku="AX", name="Axe")
    h = auth(manager)
    first = client.get(URL, {"limit": 2}, **h)
    assert ids(first) == [axe.pk, drill.pk]
    second = client.get(URL, {"limit": 2, "cursor": first.json()["next_cursor"]}, **h)
    assert ids(second) == [hammer.pk, hose.pk] and second.json()["next_cursor"] is None
    assert ids(client.get(URL, {"group": tools.pk}, **h)) == [drill.pk, hammer.pk]
    assert ids(client.get(URL, {"group": power.pk}, **h)) == [drill.pk]
    assert ids(client.get(URL, {"active": "false"}, **h)) == [hose.pk]
    assert ids(client.get(URL, {"q": "g-7"}, **h)) == [hose.pk]
    assert ids(client.get(URL, {"q": "ham"}, **h)) == [hammer.pk]
    assert ids(client.get(URL, {"tag": "SALE"}, **h)) == [drill.pk]


def test_groups_list_and_create(client, manager):
    h = auth(manager)
    tools = post(client, GROUPS, {"name": "Tools"}, **h)
    assert tools.status_code == 201, tools.content
    power = post(client, GROUPS, {"name": "Power", "parent": tools.json()["id"]}, **h)
    assert power.status_code == 201 and power.json()["depth"] == 1
    post(client, GROUPS, {"name": "Apparel"}, **h)
    duplicate = post(client, GROUPS, {"name": "power", "parent": tools.json()["id"]}, **h)
    assert duplicate.status_code == 422 and codes(duplicate) == {"name": "duplicate"}
    listed = client.get(GROUPS, **h).json()["items"]
    assert [(g["name"], g["depth"]) for g in listed] == [
        ("Apparel", 0),
        ("Tools", 0),
        ("Power", 1),
    ]


def test_group_move_cycle_and_delete_conflict(client, manager):
    top = make_group(manager, "Top")
    sub = make_group(manager, "Sub", parent=top)
    make_product(manager, group=sub)
    h = auth(manager)
    cycle = patch(client, f"{GROUPS}/{top.pk}", {"parent": sub.pk}, HTTP_IF_MATCH='"1"', **h)
    assert cycle.status_code == 422 and codes(cycle) == {"parent": "cycle"}
    busy = client.delete(f"{GROUPS}/{top.pk}", HTTP_IF_MATCH='"1"', **h)
    assert busy.status_code == 409 and busy.json()["code"] == "group_not_empty"
    moved = patch(client, f"{GROUPS}/{sub.pk}", {"parent": None}, HTTP_IF_MATCH='"1"', **h)
    assert moved.status_code == 200 and moved.json()["parent"] is None
    assert moved.json()["depth"] == 0 and moved["ETag"] == '"2"'
    stale = client.delete(f"{GROUPS}/{top.pk}", HTTP_IF_MATCH='"7"', **h)
    assert stale.status_code == 412
    assert client.delete(f"{GROUPS}/{top.pk}", HTTP_IF_MATCH='"1"', **h).status_code == 204
