"""API authentication: bearer tokens (scopes, revocation, inactive users) and sessions (CSRF)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests.accounts.factories import make_token
from tests.customers.factories import make_customer
from vinculo.accounts.models import ApiToken
from vinculo.customers.models import Customer


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"https://vinculo.dev/problems/{code}"
    assert body["title"] and body["detail"] and isinstance(body["errors"], list)
    return body


def test_missing_token_is_401_with_www_authenticate(client, owner):
    response = client.get("/api/v1/customers")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500]
)
def test_wrong_or_other_scheme_is_401(client, owner, header):
    response = client.get("/api/v1/customers", HTTP_AUTHORIZATION=header)
    assert_problem(response, 401, "not_authenticated")
    assert "WWW-Authenticate" in response


def test_revoked_token_is_401(client, owner):
    raw = make_token(owner)
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 200
    ApiToken.objects.filter(user=owner).update(revoked_at=timezone.now())
    response = client.get("/api/v1/me", **bearer(raw))
    assert_problem(response, 401, "not_authenticated")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_token_of_inactive_user_is_401(client, owner):
    raw = make_token(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert_problem(client.get("/api/v1/me", **bearer(raw)), 401, "not_authenticated")


def test_read_token_reads_but_never_writes(client, owner):
    customer = make_customer(owner, name="Ana")
    raw = make_token(owner, scope="read")
    assert client.get(f"/api/v1/customers/{customer.pk}", **bearer(raw)).status_code == 200
    post = client.post(
        "/api/v1/customers", {"name": "Bia"}, content_type="application/json", **bearer(raw)
    )
    assert_problem(post, 403, "token_read_only")
    patch = client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"name": "Changed"},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **bearer(raw),
    )
    assert_problem(patch, 403, "token_read_only")
    delete = client.delete(f"/api/v1/customers/{customer.pk}", HTTP_IF_MATCH='"1"', **bearer(raw))
    assert_problem(delete, 403, "token_read_only")
    assert list(Customer.objects.values_list("name", flat=True)) == ["Ana"]


def test_me_tells_who_the_token_belongs_to(client, owner):
    body = client.get("/api/v1/me", **bearer(make_token(owner, scope="read"))).json()
    assert body["username"] == "owner"
    assert body["role"]["code"] == "sales" and body["role"]["write_scope"] == "own"
    assert body["token_scope"] == "read"


def test_session_auth_enforces_csrf(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get("/api/v1/me").json()["username"] == "owner"
    refused = browser.post("/api/v1/customers", {"name": "Ana"}, content_type="application/json")
    assert_problem(refused, 403, "csrf_failed")
    assert not Customer.objects.exists()
    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(
        "/api/v1/customers",
        {"name": "Ana"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=secret,
    )
    assert accepted.status_code == 201
    assert Customer.objects.get().owner == owner


def test_anonymous_post_is_401_not_a_csrf_error(owner):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/v1/customers", {"name": "Ana"}, content_type="application/json")
    assert_problem(response, 401, "not_authenticated")
