"""Every API error is one RFC 9457 problem+json shape with a stable code and field errors."""

from __future__ import annotations

import logging

import pytest

from tests.accounts.factories import make_token, make_user
from vinculo.customers import services as customer_services
from vinculo.customers.models import Customer


@pytest.fixture
def h(owner):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(owner)}"}


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code", "errors"}
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"https://vinculo.dev/problems/{code}"
    return body


def fields(body: dict) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


def post(client, h, body, **extra):
    return client.post("/api/v1/customers", body, content_type="application/json", **h, **extra)


def test_schema_errors_point_at_each_field(client, h):
    body = problem(
        post(
            client,
            h,
            {
                "name": "x" * 201,
                "kind": "alien",
                "emails": [{"value": 5}],
                "birth_date": "yesterday",
                "nickname": "Bob",
            },
        ),
        422,
        "validation_error",
    )
    errors = {e["field"]: e for e in body["errors"]}
    assert errors["name"]["code"] == "too_long" and "200" in errors["name"]["message"]
    assert errors["kind"]["code"] == "invalid_choice" and "alien" in errors["kind"]["message"]
    assert errors["emails.0.value"]["code"] == "invalid_type"
    assert errors["birth_date"]["code"] == "invalid_type"
    assert errors["nickname"] == {
        "field": "nickname",
        "message": "Unknown field.",
        "code": "unknown_field",
    }
    assert not Customer.objects.exists()


def test_missing_field_is_translated_from_accept_language(client, h):
    body = problem(post(client, h, {}, HTTP_ACCEPT_LANGUAGE="es"), 422, "validation_error")
    assert fields(body)["name"] == "Este campo es obligatorio."


def test_token_user_language_wins(client, team):
    spanish = make_user("sales", team=team, language="es")
    h = {"HTTP_AUTHORIZATION": f"Bearer {make_token(spanish)}"}
    body = problem(
        post(client, h, {"kind": "person"}, HTTP_ACCEPT_LANGUAGE="en"), 422, "validation_error"
    )
    assert fields(body)["name"] == "Este campo es obligatorio."
    query = problem(client.get("/api/v1/customers?limit=x", **h), 422, "validation_error")
    assert fields(query)["limit"] == "Introduzca un número entero."


def test_service_errors_are_field_errors(client, h):
    body = problem(
        post(
            client,
            h,
            {
                "name": "Ana",
                "tax_id": "111.111.111-11",
                "emails": [{"value": "not-an-email"}],
                "phones": [{"value": "123"}],
            },
        ),
        422,
        "validation_error",
    )
    errors = fields(body)
    assert "CPF" in errors["tax_id"]
    assert "not-an-email" in errors["emails"]
    assert "123" in errors["phones"]


def test_malformed_json_and_non_object_bodies(client, h):
    for raw in ["{bad json", '{"name": NaN}', b"\xff\xfe\x00"]:
        response = client.post("/api/v1/customers", raw, content_type="application/json", **h)
        problem(response, 400, "malformed_json")
    for raw in ["[1, 2]", '"Ana"']:
        response = client.post("/api/v1/customers", raw, content_type="application/json", **h)
        problem(response, 400, "malformed_json")


def test_oversized_body_is_413(client, h, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    problem(post(client, h, {"name": "Ana", "notes": "x" * 5000}), 413, "payload_too_large")


def test_oversized_text_is_refused_not_truncated(client, h):
    body = problem(post(client, h, {"name": "Ana", "notes": "x" * 10001}), 422, "validation_error")
    assert fields(body)["notes"] == "At most 10000 characters."


def test_unknown_path_unknown_id_and_wrong_method(client, h):
    problem(client.get("/api/v1/nothing-here", **h), 404, "not_found")
    problem(client.get("/api/v1/", **h), 404, "not_found")
    problem(client.get("/api/v1/customers/999999", **h), 404, "not_found")
    problem(client.get(f"/api/v1/customers/{2**70}", **h), 422, "validation_error")
    wrong = client.put("/api/v1/customers", **h)
    problem(wrong, 405, "method_not_allowed")
    assert set(wrong["Allow"].split(", ")) == {"GET", "POST"}


def test_answers_vary_by_caller(client, h):
    assert "Authorization" in client.get("/api/v1/customers", **h)["Vary"]


def test_unexpected_error_is_logged_and_hidden(client, h, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(customer_services, "create_customer", explode)
    with caplog.at_level(logging.ERROR, logger="vinculo.api"):
        response = post(client, h, {"name": "Ana"})
    body = problem(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["errors"] == []
    assert any("secret internals" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_html_in_a_name_comes_back_verbatim_as_json(client, h):
    response = post(client, h, {"name": "<script>alert(1)</script> & Co"})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["name"] == "<script>alert(1)</script> & Co"
    assert "&lt;" not in response.content.decode()


# --- found by the fuzzer (tests/core/test_api_fuzz.py) -------------------------------------


def test_multipart_without_boundary_is_a_bad_request_not_a_crash(client, h, owner):
    """Reading the form of a `multipart/form-data` body without a boundary raised inside
    the Idempotency-Key check, answered 500 and logged a server error. (A JSON endpoint now
    refuses the media type first: 415.)"""
    response = client.generic(
        "POST",
        "/api/v1/customers",
        b'{"name": "Ana"}',
        content_type="multipart/form-data",
        HTTP_IDEMPOTENCY_KEY="retry-1",
        **h,
    )
    problem(response, 415, "unsupported_media_type")
    assert not Customer.objects.exists()
    from tests.customers.factories import make_customer
    from tests.timeline.factories import make_interaction

    interaction = make_interaction(owner, make_customer(owner))
    response = client.generic(
        "POST",
        f"/api/v1/interactions/{interaction.pk}/attachments",
        b"--x\r\nfile",
        content_type="multipart/form-data",
        HTTP_IDEMPOTENCY_KEY="retry-2",
        **h,
    )
    body = problem(response, 400, "bad_request")
    assert body["detail"] == "The multipart/form-data body is malformed."


def test_json_values_keep_their_json_type(client, h, owner):
    """0 was read as false, true as 1 and "5" as 5; the description says boolean/integer."""
    body = problem(
        post(
            client,
            h,
            {
                "name": "Ana",
                "emails": [{"value": "ana@example.com", "is_primary": 0}],
                "owner": True,
                "organization": "5",
            },
        ),
        422,
        "validation_error",
    )
    errors = {e["field"]: (e["code"], e["message"]) for e in body["errors"]}
    assert errors == {
        "emails.0.is_primary": ("invalid_type", "Enter true or false."),
        "owner": ("invalid_type", "Enter a whole number."),
        "organization": ("invalid_type", "Enter a whole number."),
    }
    assert not Customer.objects.exists()
    # JSON has one number type: 7.0 is the integer 7, as the description (JSON Schema) says.
    created = post(client, h, {"name": "Ana", "owner": float(owner.pk)})
    assert created.status_code == 201, created.content
    assert created.json()["owner"]["id"] == owner.pk


def test_blank_if_match_and_idempotency_key_are_described_as_refused(client, h, owner):
    """The description allowed "" for both headers; the API answers 428 and 400 to it."""
    spec = client.get("/api/v1/openapi.json").json()
    parameters = spec["paths"]["/api/v1/customers/{id}"]["patch"]["parameters"]
    if_match = next(p for p in parameters if p["name"] == "If-Match")["schema"]
    parameters = spec["paths"]["/api/v1/customers"]["post"]["parameters"]
    key = next(p for p in parameters if p["name"] == "Idempotency-Key")["schema"]
    assert if_match["minLength"] == key["minLength"] == 1
    assert if_match["pattern"] == key["pattern"] == r"\S"
    customer = customer_services.create_customer(
        actor=owner, data=customer_services.CustomerData(name="Ana")
    )
    url = f"/api/v1/customers/{customer.pk}"
    blank = client.patch(url, {}, content_type="application/json", HTTP_IF_MATCH=" ", **h)
    problem(blank, 428, "precondition_required")
    problem(
        post(client, h, {"name": "Bia"}, HTTP_IDEMPOTENCY_KEY=" "), 400, "invalid_idempotency_key"
    )


def test_nul_characters_are_refused_on_their_field(client, h):
    """On PostgreSQL, a tag "<\\u0000x" (any text with U+0000) made psycopg raise: 500. It
    is refused on every database, in the body and in the query string."""
    body = problem(
        post(client, h, {"name": "Ana", "tags": ["vip", "a\x00b"], "custom": {"k\x00": 1}}),
        422,
        "validation_error",
    )
    assert body["errors"] == [
        {"field": "tags.1", "message": "Null characters are not allowed."},
        {"field": "custom.k\x00", "message": "Null characters are not allowed."},
    ]
    assert not Customer.objects.exists()
    query = problem(client.get("/api/v1/customers?q=an%00a", **h), 422, "validation_error")
    assert fields(query) == {"q": "Null characters are not allowed."}
    spanish = client.get("/api/v1/tasks?cursor=%00", HTTP_ACCEPT_LANGUAGE="es", **h)
    assert fields(problem(spanish, 422, "validation_error")) == {
        "cursor": "Los caracteres nulos no están permitidos."
    }
