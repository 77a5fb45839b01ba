"""/api/v1/customers: visibility, filters, keyset pages, ETag/If-Match, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from vinculo.customers.models import Customer, CustomFieldDefinition
from vinculo.customers.services import ContactIn, CustomerData, update_customer

URL = "/api/v1/customers"


def auth(user, scope: str = "write") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user, scope)}"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def fields(response) -> dict[str, str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- list ----------------------------------------------------------------------------------


def test_list_shows_team_records_and_hides_other_teams(client, owner, teammate, outsider):
    mine = make_customer(owner, name="Ana")
    theirs = make_customer(outsider, name="Zé")
    assert ids(client.get(URL, **auth(owner))) == [mine.pk]
    assert ids(client.get(URL, **auth(teammate))) == [mine.pk]
    assert ids(client.get(URL, **auth(outsider))) == [theirs.pk]


def test_list_item_has_the_full_representation(client, owner):
    org = make_customer(owner, name="Acme", kind="organization")
    make_customer(
        owner,
        name="Ana",
        emails=["ana@example.com"],
        phones=["(11) 98765-4321"],
        organization_id=org.pk,
        tags=["vip"],
    )
    body = client.get(URL + "?kind=person", **auth(owner)).json()
    (item,) = body["items"]
    assert item["organization"] == {"id": org.pk, "name": "Acme"}
    assert item["owner"] == {"id": owner.pk, "name": str(owner)}
    assert item["emails"] == [{"value": "ana@example.com", "label": "", "is_primary": True}]
    assert item["phones"][0]["value"] == "+5511987654321"
    assert item["tags"] == ["vip"]
    assert "probable_duplicates" not in item
    assert body["next_cursor"] is None and body["prev_cursor"] is None


def test_list_query_count_does_not_grow_with_the_page(client, owner):
    h = auth(owner)
    for n in range(3):
        make_customer(owner, name=f"Few {n}", emails=[f"f{n}@example.com"], tags=["a", "b"])
    client.get(URL, **h)  # first use of the token records last_used_at
    with CaptureQueriesContext(connection) as few:
        assert len(ids(client.get(URL, **h))) == 3
    for n in range(25):
        make_customer(owner, name=f"Many {n}", emails=[f"m{n}@example.com"], tags=["c"])
    with CaptureQueriesContext(connection) as many:
        assert len(ids(client.get(URL, **h))) == 28
    assert len(many) == len(few) <= 10


def test_keyset_pages_walk_every_row_exactly_once(client, owner):
    h = auth(owner)
    created = {make_customer(owner, name=f"C{n}").pk for n in range(7)}
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        response = client.get(URL, {"limit": 3, "sort": "name", "cursor": cursor}, **h)
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7 and set(seen) == created
    back = client.get(URL, {"limit": 3, "sort": "name", "cursor": body["prev_cursor"]}, **h)
    assert ids(back) == seen[3:6]


def test_bad_cursor_and_limit_are_field_errors(client, owner):
    h = auth(owner)
    response = client.get(URL, {"cursor": "garbage"}, **h)
    assert response.status_code == 422 and "cursor" in fields(response)
    response = client.get(URL, {"limit": 201}, **h)
    assert response.status_code == 422 and "limit" in fields(response)
    response = client.get(URL, {"stage": "nope"}, **h)
    assert response.status_code == 422 and "stage" in fields(response)


def test_filters_match_the_list_page(client, owner, teammate):
    h = auth(owner)
    lead = make_customer(owner, name="Lead One", stage="lead", tags=["vip"])
    client_ = make_customer(owner, name="Client One", stage="customer")
    theirs = make_customer(teammate, name="Teammate's", stage="customer")
    assert set(ids(client.get(URL, {"stage": "customer"}, **h))) == {client_.pk, theirs.pk}
    assert set(ids(client.get(URL, {"owner": "me"}, **h))) == {lead.pk, client_.pk}
    assert ids(client.get(URL, {"owner": teammate.pk}, **h)) == [theirs.pk]
    assert ids(client.get(URL, {"tag": "vip"}, **h)) == [lead.pk]
    assert ids(client.get(URL, {"q": "client"}, **h)) == [client_.pk]


def test_custom_field_filters(client, owner):
    CustomFieldDefinition.objects.create(key="budget", label="Budget", field_type="number")
    CustomFieldDefinition.objects.create(
        key="segment", label="Segment", field_type="choice", choices=["retail", "b2b"]
    )
    h = auth(owner)
    small = make_customer(owner, name="Small", custom={"budget": 100, "segment": "retail"})
    big = make_customer(owner, name="Big", custom={"budget": 5000, "segment": "b2b"})
    assert ids(client.get(URL, {"cf_budget__gte": 1000}, **h)) == [big.pk]
    assert ids(client.get(URL, {"cf_budget__lte": "1000"}, **h)) == [small.pk]
    assert ids(client.get(URL, {"cf_segment": "retail"}, **h)) == [small.pk]
    unknown = client.get(URL, {"cf_nope": "1"}, **h)
    assert unknown.status_code == 422 and "cf_nope" in fields(unknown)
    body = client.get(f"{URL}/{big.pk}", **h).json()
    assert body["custom"] == {"budget": 5000, "segment": "b2b"}


# --- create and read -----------------------------------------------------------------------


def test_create_returns_the_record_with_etag_and_location(client, owner):
    response = client.post(
        URL,
        {
            "name": "  Ana   Souza ",
            "emails": [{"value": "ANA@example.com", "label": "work"}],
            "socials": [{"value": "@ana", "platform": "instagram"}],
            "addresses": [{"line1": "Rua A, 1", "city": "São Paulo"}],
            "tax_id": "111.444.777-35",
            "birth_date": "1990-05-01",
            "tags": ["vip", "vip"],
        },
        content_type="application/json",
        **auth(owner),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"' and response["Location"] == f"{URL}/{body['id']}"
    assert body["name"] == "Ana Souza" and body["owner"]["id"] == owner.pk
    assert body["emails"] == [{"value": "ana@example.com", "label": "work", "is_primary": True}]
    assert body["socials"] == [
        {"value": "ana", "label": "", "platform": "instagram", "is_primary": True}
    ]
    assert body["addresses"][0]["city"] == "São Paulo"
    assert body["tax_id"] == "11144477735" and body["tax_id_type"] == "br_cpf"
    assert body["birth_date"] == "1990-05-01" and body["tags"] == ["vip"]
    assert Customer.objects.get().version == 1


def test_create_with_an_invalid_tax_id_of_a_chosen_type_answers_422(client, owner):
    response = client.post(
        URL,
        {"name": "Ana", "tax_id": "123", "tax_id_type": "br_cpf"},
        content_type="application/json",
        **auth(owner),
    )
    assert response.status_code == 422
    assert fields(response) == {"tax_id": "“123” is not a valid CPF (Brazil)."}
    assert not Customer.objects.exists()


def test_create_refuses_an_organization_the_caller_cannot_see(client, owner, outsider):
    org = make_customer(outsider, name="Hidden Inc", kind="organization")
    response = client.post(
        URL, {"name": "Ana", "organization": org.pk}, content_type="application/json", **auth(owner)
    )
    assert response.status_code == 422 and "organization" in fields(response)


def test_read_for_owner_teammate_and_outsider(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    for user in (owner, teammate):
        response = client.get(f"{URL}/{customer.pk}", **auth(user))
        assert response.status_code == 200 and response["ETag"] == '"1"'
        assert response.json()["name"] == "Ana"
    hidden = client.get(f"{URL}/{customer.pk}", **auth(outsider))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_probable_duplicates_lists_only_visible_ids(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana", emails=["ana@example.com"])
    twin = make_customer(teammate, name="Ana S.", emails=["ana@example.com"])
    make_customer(outsider, name="Ana Hidden", emails=["ana@example.com"])
    body = client.get(f"{URL}/{customer.pk}", **auth(owner)).json()
    assert body["probable_duplicates"] == [twin.pk]


# --- edit and delete -----------------------------------------------------------------------


def patch(client, user, customer, body, **headers):
    return client.patch(
        f"{URL}/{customer.pk}", body, content_type="application/json", **auth(user), **headers
    )


def test_patch_needs_if_match_and_refuses_stale_versions(client, owner):
    customer = make_customer(owner, name="Ana", emails=["ana@example.com"])
    missing = patch(client, owner, customer, {"name": "Ana B"})
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    etag = client.get(f"{URL}/{customer.pk}", **auth(owner))["ETag"]
    done = patch(client, owner, customer, {"name": "Ana B"}, HTTP_IF_MATCH=etag)
    assert done.status_code == 200 and done["ETag"] == '"2"'
    assert done.json()["emails"][0]["value"] == "ana@example.com"  # not sent, kept
    stale = patch(client, owner, customer, {"name": "Ana C"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    garbage = patch(client, owner, customer, {"name": "Ana C"}, HTTP_IF_MATCH="W/2")
    assert garbage.status_code == 412
    assert Customer.objects.get().name == "Ana B"


def test_patch_by_teammate_is_403_and_outsider_404(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    denied = patch(client, teammate, customer, {"name": "X"}, HTTP_IF_MATCH='"1"')
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    hidden = patch(client, outsider, customer, {"name": "X"}, HTTP_IF_MATCH='"1"')
    assert hidden.status_code == 404
    assert Customer.objects.get().name == "Ana"


def test_patch_null_clears_organization_and_birth_date(client, owner):
    org = make_customer(owner, name="Acme", kind="organization")
    customer = make_customer(owner, name="Ana", organization_id=org.pk, notes="hello")
    update_customer(
        actor=owner,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(birth_date=dt.date(1990, 1, 1)),
        expected_version=1,
    )
    response = patch(
        client,
        owner,
        customer,
        {"organization": None, "birth_date": None, "notes": None},
        HTTP_IF_MATCH='"2"',
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["organization"] is None and body["birth_date"] is None and body["notes"] == ""
    refused = patch(client, owner, customer, {"owner": None, "name": None}, HTTP_IF_MATCH='"3"')
    assert refused.status_code == 422 and set(fields(refused)) == {"owner", "name"}


def test_patch_service_errors_and_unknown_fields(client, owner):
    customer = make_customer(owner, name="Ana")
    bad = patch(
        client,
        owner,
        customer,
        {"phones": [{"value": "12"}], "tax_id": "123"},
        HTTP_IF_MATCH='"1"',
    )
    assert bad.status_code == 422 and set(fields(bad)) == {"phones", "tax_id"}
    unknown = patch(client, owner, customer, {"colour": "red"}, HTTP_IF_MATCH='"1"')
    assert unknown.status_code == 422 and fields(unknown) == {"colour": "Unknown field."}
    assert Customer.objects.get().version == 1


def test_manager_reassigns_within_the_team(client, team, owner):
    manager = make_user("manager", team=team)
    customer = make_customer(owner, name="Ana")
    other = make_user("sales", team=team)
    response = patch(client, manager, customer, {"owner": other.pk}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["owner"]["id"] == other.pk
    denied = patch(client, owner, Customer.objects.get(), {"owner": owner.pk}, HTTP_IF_MATCH='"2"')
    assert denied.status_code == 403


def test_delete_flow(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    url = f"{URL}/{customer.pk}"
    assert client.delete(url, **auth(owner)).status_code == 428
    assert client.delete(url, HTTP_IF_MATCH='"1"', **auth(teammate)).status_code == 403
    assert client.delete(url, HTTP_IF_MATCH='"1"', **auth(outsider)).status_code == 404
    assert client.delete(url, HTTP_IF_MATCH='"7"', **auth(owner)).status_code == 412
    gone = client.delete(url, HTTP_IF_MATCH='"1"', **auth(owner))
    assert gone.status_code == 204 and gone.content == b""
    assert client.get(url, **auth(owner)).status_code == 404


# --- history -------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 50])
def test_history_newest_first_and_paginated(client, owner, teammate, outsider, limit):
    customer = make_customer(owner, name="Ana")
    current = Customer.objects.get(pk=customer.pk)
    update_customer(
        actor=owner,
        customer=current,
        data=CustomerData(name="Ana B", emails=[ContactIn("ana@example.com")]),
        expected_version=1,
    )
    url = f"{URL}/{customer.pk}/history"
    items = []
    cursor = ""
    while True:
        body = client.get(url, {"limit": limit, "cursor": cursor}, **auth(teammate)).json()
        items += body["items"]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert [i["action"] for i in items] == ["update", "create"]
    assert items[0]["changes"]["name"] == ["Ana", "Ana B"]
    assert items[0]["actor"] == {"id": owner.pk, "name": str(owner)}
    assert client.get(url, **auth(outsider)).status_code == 404


# --- found by the fuzzer (tests/core/test_api_fuzz.py) -------------------------------------


def test_birth_date_is_iso_text_not_a_timestamp(client, owner):
    """`"birth_date": 0` was read as a Unix timestamp and saved as 1970-01-01."""
    for value in (0, "0", 1700000000):
        response = client.post(
            URL,
            {"name": "Ana", "birth_date": value},
            content_type="application/json",
            **auth(owner),
        )
        assert response.status_code == 422, (value, response.content)
        assert fields(response) == {"birth_date": "Enter a valid date."}
    assert not Customer.objects.exists()
    ok = client.post(
        URL,
        {"name": "Ana", "birth_date": "1990-05-01"},
        content_type="application/json",
        **auth(owner),
    )
    assert ok.status_code == 201 and ok.json()["birth_date"] == "1990-05-01"


def test_description_offers_null_and_custom_values_only_where_accepted(client, owner):
    """The description allowed null for kind, stage, owner, name and custom, and any JSON
    (objects, lists) as a custom value: the API refuses all of those."""
    spec = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    patch_fields = spec["CustomerPatch"]["properties"]
    for name in ("kind", "name", "stage", "owner", "custom"):
        assert "anyOf" not in patch_fields[name] and "default" not in patch_fields[name], name
    for name in ("organization", "birth_date", "notes", "tags", "emails"):
        assert {"type": "null"} in patch_fields[name]["anyOf"], name
    custom_value = patch_fields["custom"]["additionalProperties"]["anyOf"]
    assert {option["type"] for option in custom_value} == {"string", "number", "boolean", "null"}
    customer = make_customer(owner, name="Ana")
    null_kind = patch(client, owner, customer, {"kind": None}, HTTP_IF_MATCH='"1"')
    assert null_kind.status_code == 422
    assert fields(null_kind) == {"kind": "This field cannot be null."}
    nested = patch(client, owner, customer, {"custom": {"x": {"a": 1}}}, HTTP_IF_MATCH='"1"')
    assert nested.status_code == 422
    assert fields(nested) == {"custom.x": "Enter text, a number, true, false or null."}
    assert Customer.objects.get().version == 1


def test_a_taken_tax_id_is_a_field_error(client, owner, outsider):
    make_customer(owner, name="Ana Souza", tax_id="11144477735")
    body = {"name": "Ana S.", "tax_id": "111.444.777-35"}
    refused = client.post(URL, body, content_type="application/json", **auth(owner))
    assert refused.status_code == 422
    assert fields(refused) == {"tax_id": "Another customer already has this tax id: Ana Souza."}
    assert [e["code"] for e in refused.json()["errors"]] == ["taken"]
    hidden = client.post(URL, body, content_type="application/json", **auth(outsider))
    assert hidden.status_code == 422 and "Ana" not in fields(hidden)["tax_id"]
    assert Customer.objects.count() == 1


def test_list_says_how_many_and_whether_it_is_an_estimate(client, owner, admin, monkeypatch):
    from vinculo.core import counts

    for i in range(3):
        make_customer(owner, name=f"Ana {i}")
    body = client.get(URL, **auth(owner)).json()
    assert (body["total"], body["total_is_estimate"], body["total_is_lower_bound"]) == (
        3,
        False,
        False,
    )
    monkeypatch.setattr(counts, "table_estimate", lambda model: 1_000_000)
    body = client.get(URL + "?limit=1", **auth(admin)).json()
    assert (body["total"], body["total_is_estimate"]) == (1_000_000, True)
    body = client.get(URL + "?q=ana", **auth(owner)).json()
    assert body["total"] is None and len(body["items"]) == 3


def test_search_pages_follow_next_cursor(client, owner):
    made = [make_customer(owner, name="Maria Silva") for _ in range(3)]
    make_customer(owner, name="Maria Silvana")
    first = client.get(URL + "?q=maria+silva&limit=2", **auth(owner)).json()
    second = client.get(
        URL + f"?q=maria+silva&limit=2&cursor={first['next_cursor']}", **auth(owner)
    ).json()
    assert [i["id"] for i in first["items"]] == [c.pk for c in made[:2]]
    assert [i["name"] for i in second["items"]] == ["Maria Silva", "Maria Silvana"]
    assert second["next_cursor"] is None
