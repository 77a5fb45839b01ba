"""What the API reads, as docs/api.md says: JSON bodies in UTF-8 sent as application/json
(415 otherwise), and dates and datetimes within years 1900–2200 (a field error otherwise)."""

from __future__ import annotations

import json

import pytest

from tests.accounts.factories import make_token
from tests.customers.factories import make_customer
from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction

BODY = {"name": "Ana Souza"}


@pytest.fixture
def h(owner):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(owner)}"}


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "application/xml",
        "",
    ],
)
def test_json_sent_as_something_else_is_415(client, h, content_type):
    response = client.post("/api/v1/customers", json.dumps(BODY), content_type=content_type, **h)
    body = _problem(response, 415, "unsupported_media_type")
    assert "application/json" in body["detail"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=UTF-8"])
def test_json_as_application_json_is_read(client, h, content_type):
    response = client.post("/api/v1/customers", json.dumps(BODY), content_type=content_type, **h)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
def test_json_in_another_encoding_is_malformed(client, h, encoding):
    raw = json.dumps({"name": "João"}, ensure_ascii=False).encode(encoding)
    response = client.post("/api/v1/customers", raw, content_type="application/json", **h)
    body = _problem(response, 400, "malformed_json")
    assert "UTF-8" in body["detail"]
    assert not Customer.objects.exists()


def test_patch_checks_the_media_type_too(client, h, owner):
    customer = make_customer(owner)
    response = client.patch(
        f"/api/v1/customers/{customer.pk}",
        json.dumps({"name": "Other"}),
        content_type="text/plain",
        HTTP_IF_MATCH=f'"{customer.version}"',
        **h,
    )
    _problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00", "1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T23:59:59"],
)
def test_datetimes_outside_the_sane_range_are_field_errors(client, h, owner, value):
    customer = make_customer(owner)
    response = client.post(
        "/api/v1/interactions",
        {"customer": customer.pk, "channel": "note", "body": "x", "occurred_at": value},
        content_type="application/json",
        **h,
    )
    body = _problem(response, 422, "validation_error")
    assert body["errors"] == [
        {
            "field": "occurred_at",
            "message": "Enter a date between the years 1900 and 2200.",
            "code": "out_of_range",
        }
    ]
    assert not Interaction.objects.exists()


def test_the_edges_of_the_range_are_accepted(client, h, owner):
    customer = make_customer(owner)
    response = client.post(
        "/api/v1/interactions",
        {
            "customer": customer.pk,
            "channel": "note",
            "body": "x",
            "occurred_at": "1900-01-01T00:00",
        },
        content_type="application/json",
        **h,
    )
    assert response.status_code == 201, response.content
    listed = client.get("/api/v1/interactions?until=2200-12-31T23:59:59-03:00", **h)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


def test_dates_and_query_datetimes_share_the_range(client, h, owner):
    response = client.post(
        "/api/v1/customers",
        {"name": "Ana", "birth_date": "0001-01-01"},
        content_type="application/json",
        **h,
    )
    assert _problem(response, 422, "validation_error")["errors"][0]["field"] == "birth_date"
    response = client.get("/api/v1/interactions?since=0001-01-01T00:00:00", **h)
    assert _problem(response, 422, "validation_error")["errors"][0]["field"] == "since"


def test_the_description_states_the_range_and_the_415():
    from vinculo.core.api.site import api

    schema = api.get_openapi_schema()
    create = schema["paths"]["/api/v1/interactions"]["post"]
    assert "415" in create["responses"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    occurred = schema["components"]["schemas"][ref]["properties"]["occurred_at"]
    from vinculo.core.api.schemas import DATETIME_PATTERN

    assert occurred["pattern"] == DATETIME_PATTERN and "format" not in occurred


def test_the_described_patterns_are_exactly_what_is_read():
    """Every date the description's pattern admits is read, every other one refused: the
    calendar (29 February only in leap years: not 1900, 2100 or 2200) and the year range."""
    import re

    from pydantic import TypeAdapter, ValidationError

    from vinculo.core.api.schemas import DATE_PATTERN, DATETIME_PATTERN, IsoDate, IsoDateTime

    def reads(adapter, text):
        try:
            adapter.validate_python(text)
        except ValidationError:
            return False
        return True

    date, datetime = TypeAdapter(IsoDate), TypeAdapter(IsoDateTime)
    years = [1899, 1900, 1904, 1999, 2000, 2024, 2100, 2199, 2200, 2201, 1]
    for year in years:
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                assert reads(date, text) == bool(re.fullmatch(DATE_PATTERN, text)), text
    for text in [
        "2024-02-29T10:00",
        "2023-02-29T10:00",
        "2026-03-01 10:00",
        "2026-03-01t10:00:00z",
        "2026-03-01T10:00:00.123456-03:00",
        "2026-03-01T10:00:00.1234567Z",
        "2026-03-01T24:00",
        "2026-03-01T10:60",
        "2026-03-01T10:00:60",
        "2026-03-01T10:00:00+03",
        "2026-03-01T10:00+0300",
        "2026-03-01",
        "2026-03-01T10",
        "2026-03-01_10:00",
        "2026-03-01T10:00:00Z\n",
    ]:
        assert reads(datetime, text) == bool(re.fullmatch(DATETIME_PATTERN, text)), text
