"""Field errors found by the services carry a stable code, like the schema's do, so API
clients can act on the kind of problem whatever the language of the message."""

from __future__ import annotations

import copy
import pickle

from django.core.exceptions import ValidationError

from tests.accounts.factories import make_token
from tests.customers.factories import make_customer
from vinculo.core.errors import (
    FieldErrors,
    FieldMessage,
    ValidationFailed,
    django_messages,
    field_message,
    message_code,
)


def post(client, user, url, body, **headers):
    return client.post(
        url,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(user)}",
        **headers,
    )


def codes(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_customer_errors_have_codes(client, owner, outsider):
    response = post(
        client,
        owner,
        "/api/v1/customers",
        {
            "name": "Ana",
            "emails": [{"value": "ana@"}],
            "phones": [{"value": "123"}],
            "tax_id": "123.456.789-00",
            "stage": "lead",
            "owner": outsider.pk,
        },
    )
    assert codes(response) == {
        "emails": "invalid_email",
        "phones": "invalid_phone",
        "tax_id": "invalid_tax_id",
        "owner": "not_allowed",
    }


def test_interaction_and_task_errors_have_codes(client, owner, outsider):
    customer = make_customer(owner, name="Ana")
    far = make_customer(outsider, name="Zé")
    logged = post(
        client,
        owner,
        "/api/v1/interactions",
        {
            "customer": customer.pk,
            "channel": "call",
            "other_customers": [far.pk],
            "links": [
                {"model": "accounts.user", "id": "1"},
                {"model": "customers.customer", "id": far.pk},
            ],
        },
    )
    assert codes(logged) == {
        "body": "required",
        "other_customers": "not_visible",
        "links.0.model": "not_linkable",
        "links.1.id": "not_visible",
    }
    hidden = post(client, owner, "/api/v1/interactions", {"customer": far.pk, "channel": "call"})
    assert codes(hidden) == {"customer": "not_visible"}
    task = post(client, owner, "/api/v1/tasks", {"title": "  ", "assignee": outsider.pk})
    assert codes(task) == {"title": "required", "assignee": "not_allowed"}


def test_filter_errors_have_codes(client, owner):
    response = client.get(
        "/api/v1/customers",
        {"cf_missing": "1"},
        HTTP_AUTHORIZATION=f"Bearer {make_token(owner)}",
    )
    assert codes(response) == {"cf_missing": "unknown_field"}


def test_field_messages_are_strings_with_a_code():
    message = FieldMessage("Too long.", "too_long")
    assert message == "Too long." and isinstance(message, str)
    assert message_code(message) == "too_long" and message_code("plain") == "invalid"
    assert field_message(message, "other").code == "too_long"
    assert field_message("plain").code == "invalid"
    for clone in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):
        assert clone == "Too long." and clone.code == "too_long"
    errors = FieldErrors()
    errors.add("name", "Required.", code="required")
    errors.add("name", "Odd.")
    assert [message_code(m) for m in errors.by_field["name"]] == ["required", "invalid"]
    try:
        errors.raise_if_any()
    except ValidationFailed as exc:
        assert exc.errors["name"][0].code == "required"  # type: ignore[attr-defined]


def test_django_validation_codes_become_api_codes():
    exc = ValidationError(
        {
            "city": [ValidationError("This field cannot be blank.", code="blank")],
            "line1": [ValidationError("Too long.", code="max_length")],
            "region": [ValidationError("Odd.", code="something")],
        }
    )
    found = django_messages(exc)
    assert {k: [m.code for m in v] for k, v in found.items()} == {
        "city": ["required"],
        "line1": ["too_long"],
        "region": ["invalid"],
    }


def test_a_custom_date_outside_the_years_has_the_schemas_code(client, owner):
    from vinculo.customers.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(key="contract", label="Contract", field_type="date")
    body = {"name": "Ana", "stage": "lead", "birth_date": "1850-01-01"}
    response = post(client, owner, "/api/v1/customers", body)
    assert codes(response) == {"birth_date": "out_of_range"}
    body = {"name": "Ana", "stage": "lead", "custom": {"contract": "1850-01-01"}}
    response = post(client, owner, "/api/v1/customers", body)
    assert codes(response) == {"custom.contract": "out_of_range"}
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages == {"custom.contract": "Enter a date between the years 1900 and 2200."}
