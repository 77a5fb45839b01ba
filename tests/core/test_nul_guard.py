"""U+0000 in a page's address, query or form: a readable 400 page, never a database error.

PostgreSQL cannot store or compare text holding NUL (psycopg raises, the answer was a 500);
the API refuses it with a 422 problem, and pages get one guard in core for all of them."""

from __future__ import annotations

import pytest

from tests.customers.factories import make_customer
from vinculo.customers.models import Customer

MESSAGE = "contained a character that is not allowed"


def _refused(response) -> None:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/customers/?tag=x%00",
        "/customers/?q=%00ana",
        "/customers/?x%00=1",
        "/customers/search/?q=ana%00",
        "/customers/%00/",
    ],
)
def test_nul_in_a_page_address_is_a_readable_400(client, owner, url):
    make_customer(owner, name="Ana Souza", tags=["x"])
    client.force_login(owner)
    _refused(client.get(url))


def test_nul_in_a_form_post_is_refused_and_nothing_is_saved(client, owner):
    client.force_login(owner)
    response = client.post("/customers/new/", {"name": "Ana\x00", "kind": "person"})
    _refused(response)
    assert not Customer.objects.exists()


def test_the_page_speaks_the_visitors_language(client, owner):
    client.force_login(owner)
    response = client.get("/customers/?tag=%00", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and '<html lang="es">' in response.content.decode()


def test_anonymous_visitors_get_the_same_page(client, db):
    _refused(client.get("/accounts/login/?next=%00"))


def test_a_session_cookie_holding_nul_counts_as_no_session(client, owner):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/customers/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_api_keeps_its_own_problem_answer(client, owner):
    from tests.accounts.factories import make_token

    token = make_token(owner)
    response = client.get("/api/v1/customers?tag=x%00", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tag"


def test_other_bad_requests_get_the_same_page(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "The request was malformed. Go back and try again." in response.content.decode()
